// The page's style nonce: the Studio's pages allow only their own style
// sheets plus <style> elements carrying a nonce fresh for each page load
// (electron/server/csp.ts), handed over in a <meta> element. The code
// editor writes its styles with it. Browsers hide a nonce from
// getAttribute, so it is read from the element's `nonce` property.
const META_NAME = 'kucomms-style-nonce';

export function styleNonce(): string | undefined {
  const meta = document.querySelector<HTMLMetaElement>(`meta[name="${META_NAME}"]`);
  return meta?.nonce || undefined;
}
