// The names the C generator gives out. Layout names are [a-z][a-z0-9_]*, so
// they can still be C or C++ keywords, macros that headers define, or
// produce, once prefixed, the same name as another part of the header (a
// struct "msg_x" and a message "x" both make PROTO_msg_x). Each name is given
// out once per scope: the generator's fixed public names (PROTO_msg_KIND,
// PROTO_MSG_KIND_K, ...) are claimed first and keep their spelling; a user's
// name that would collide is qualified with a number (_2, _3, ...).

/** Words a member or type name may not be: keywords, and macros of the headers a user includes. */
const RESERVED = new Set(
  [
    // C11
    'auto break case char const continue default do double else enum extern float for goto if inline int long register',
    'restrict return short signed sizeof static struct switch typedef union unsigned void volatile while',
    // <stdbool.h>, <errno.h>, <stdio.h>, <assert.h> (object-like macros break `out->name`)
    'bool true false errno stdin stdout stderr assert offsetof',
    // C++ (the header is valid C++ too), alternative operator tokens included
    'alignas alignof and and_eq asm bitand bitor catch char8_t char16_t char32_t class compl concept consteval constexpr',
    'constinit const_cast co_await co_return co_yield decltype delete dynamic_cast explicit export friend module mutable',
    'namespace new noexcept not not_eq nullptr operator or or_eq private protected public reinterpret_cast requires',
    'static_assert static_cast template this thread_local throw try typeid typename using virtual wchar_t xor xor_eq',
    // the kernel's object-like macros, and GNU C's predefined ones
    'current fallthrough noinline noinstr notrace asm_inline linux unix i386',
  ]
    .join(' ')
    .split(' '),
);

/** A layout name as a C identifier: reserved words get a trailing _. */
export function cIdent(name: string): string {
  return RESERVED.has(name) ? `${name}_` : name;
}

/** One scope of names (C's unless told): each is given out once. */
export class NameScope {
  readonly #taken = new Set<string>();
  constructor(private readonly reserved: ReadonlySet<string> = RESERVED) {}

  /** @want itself when free, else the first free want_2, want_3, ... */
  claim(want: string): string {
    let name = want;
    for (let i = 2; this.#taken.has(name) || this.reserved.has(name); i++) name = `${want}_${i}`;
    this.#taken.add(name);
    return name;
  }

  /**
   * A base name such that base+suffix is free for every suffix (a struct and
   * its _unpack, _pack and _wire): all of them are claimed together.
   */
  claimGroup(want: string, suffixes: readonly string[]): string {
    let base = want;
    for (let i = 2; suffixes.some((s) => this.#taken.has(base + s) || this.reserved.has(base + s)); i++)
      base = `${want}_${i}`;
    for (const s of suffixes) this.#taken.add(base + s);
    return base;
  }
}
