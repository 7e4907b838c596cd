// `kucomms-studio gen lua`: a Wireshark dissector (Lua 5.2, Wireshark 3.6+)
// for pcapng files the Studio exports (capture/pcapng.ts: LINKTYPE_USER0..15,
// direction/target pseudo-header, the 32-byte kucomms header, the data).
// Every field is declared up front as a ProtoField named
// kucomms_PROTOCOL.STRUCT.FIELD, so tshark filters and -e work on all of
// them; a message that does not fit its layout is shown as far as it goes,
// with expert info saying where and what was expected (never a Lua error).
import { HEADER_KEYS, type FieldDef, type Layout, type StructDef, type ValueNames } from './layout.ts';
import { LINKTYPE_USER0, LINKTYPE_USER15 } from '../capture/pcapng.ts';
import { NameScope } from './c-names.ts';
import { GenerateError } from './gen-c.ts';

const luaString = (s: string): string => JSON.stringify(s);

/**
 * Every ProtoField, in a table (a file-level local each would run into Lua's
 * 200 locals); each filter name (abbreviation) is given out once.
 */
class Fields {
  /** [Lua expression, constructor call] in declaration order */
  decls: Array<[string, string]> = [];
  readonly table: LuaField[] = [];
  readonly #abbrs = new NameScope(new Set());
  add(
    key: string,
    abbr: string,
    ctor: (abbr: string) => string,
    what: Omit<LuaField, 'abbr'> = { user: false, value: false },
  ): string {
    const variable = `F[${luaString(key)}]`;
    const claimed = this.#abbrs.claim(abbr);
    this.decls.push([variable, ctor(luaString(claimed))]);
    this.table.push({ abbr: claimed, ...what });
    return variable;
  }
}

/** A field the dissector declares, by its filter name. */
export interface LuaField {
  abbr: string;
  /** a field of the layout's data (not the pseudo-header or header) */
  user: boolean;
  /** it shows a value (not a struct or an array, which only group others) */
  value: boolean;
  encoding?: 'utf8' | 'latin1';
}

function valueString(e: ValueNames | undefined, bits: number): string {
  if (!e || bits > 32) return 'nil';
  return `{ ${e.entries.map((x) => `[${x.value}] = ${luaString(x.name)}`).join(', ')} }`;
}

function intCtor(bits: number, signed: boolean): string {
  if (bits > 32) return signed ? 'int64' : 'uint64';
  const w = bits <= 8 ? 8 : bits <= 16 ? 16 : bits <= 24 ? 24 : 32;
  return `${signed ? 'int' : 'uint'}${w}`;
}

/** The Lua code of one struct's dissect function. */
function structFunction(
  layout: Layout,
  s: StructDef,
  abbrName: string,
  fname: string,
  fields: Fields,
  structFns: Map<StructDef, string>,
  isMessage: boolean,
): string[] {
  const prefix = `kucomms_${layout.protocol}.${abbrName}`;
  const L: string[] = [];
  L.push(`local function ${fname}(ctx, tree, off, path)`);
  L.push('\tlocal scope = {}');
  // Table keys: ":" is in no layout name, so no two fields share one.
  const fieldKey = (f: FieldDef, suffix = ''): string => `${isMessage ? 'm' : 't'}:${s.name}:${f.name}${suffix}`;
  for (const f of s.fields) {
    const label = luaString(f.name);
    const abbr = `${prefix}.${f.name}`;
    const t = f.type;
    let ctor: (abbr: string) => string;
    switch (t.kind) {
      case 'int':
        ctor = (a) =>
          `ProtoField.${intCtor(t.bits, t.signed)}(${a}, ${label}, ${(t.flags || t.subfields) && !t.signed ? 'base.HEX' : 'base.DEC'}, ${valueString(t.enum, t.bits)})`;
        break;
      case 'float':
        ctor = (a) => `ProtoField.${t.bits === 32 ? 'float' : 'double'}(${a}, ${label})`;
        break;
      case 'bool':
        ctor = (a) => `ProtoField.bool(${a}, ${label})`;
        break;
      case 'bytes':
        ctor = (a) => `ProtoField.bytes(${a}, ${label})`;
        break;
      case 'string':
        ctor = (a) => `ProtoField.string(${a}, ${label})`;
        break;
      case 'struct':
        ctor = (a) => `ProtoField.none(${a}, ${luaString(`${f.name} (${t.struct.name})`)})`;
        break;
    }
    const fv = fields.add(fieldKey(f), abbr, ctor, {
      user: true,
      value: t.kind !== 'struct',
      ...(t.kind === 'string' ? { encoding: t.encoding } : {}),
    });
    let arrayVar: string | undefined;
    if (f.count !== undefined)
      arrayVar = fields.add(
        fieldKey(f, ':array'),
        `${abbr}_array`,
        (a) => `ProtoField.none(${a}, ${luaString(`${f.name} (array)`)})`,
        { user: true, value: false },
      );
    const subVars: string[] = [];
    if (t.kind === 'int' && t.subfields)
      for (const bf of t.subfields)
        subVars.push(
          fields.add(
            fieldKey(f, `:${bf.name}`),
            `${abbr}.${bf.name}`,
            (a) =>
              `ProtoField.${intCtor(bf.width, false)}(${a}, ${luaString(bf.name)}, base.DEC, ${valueString(bf.enum, bf.width)})`,
            { user: true, value: true },
          ),
        );

    const body: string[] = [];
    const fpath = `fpath`;
    switch (t.kind) {
      case 'int': {
        const n = t.bits / 8;
        const le = t.endian === 'little';
        body.push(
          `need(ctx, off, ${n}, ${fpath}, ${luaString(`${t.signed ? 's' : 'u'}${t.bits} (${n} byte${n === 1 ? '' : 's'})`)})`,
        );
        body.push(`local v = ${t.signed ? 'read_int' : 'read_uint'}(ctx.tvb, off, ${n}, ${le})`);
        body.push(`local item = ptree:add(${fv}, ctx.tvb(off, ${n}), v)`);
        if (t.enum && t.bits > 32) body.push(`append_name(item, ${enumTableName(t.enum)}, v)`);
        // Flags and bits are of the unsigned bits, whatever the integer's sign.
        if ((t.flags || t.subfields) && t.signed) body.push(`local u = read_uint(ctx.tvb, off, ${n}, ${le})`);
        const bitsOf = t.signed ? 'u' : 'v';
        if (t.flags) body.push(`append_flags(item, ${flagsTableName(t.flags)}, ${bitsOf})`);
        t.subfields?.forEach((bf, i) => {
          body.push(
            `local bits_${bf.name} = item:add(${subVars[i]}, ctx.tvb(off, ${n}), bits_of(${bitsOf}, ${bf.at}, ${bf.width}))`,
          );
          if (bf.enum && bf.width > 32)
            body.push(
              `append_name(bits_${bf.name}, ${enumTableName(bf.enum)}, bits_of(${bitsOf}, ${bf.at}, ${bf.width}))`,
            );
        });
        body.push(`scope[${luaString(f.name)}] = to_number(v)`);
        body.push(`off = off + ${n}`);
        break;
      }
      case 'float': {
        const n = t.bits / 8;
        const getter = `${t.endian === 'little' ? 'le_' : ''}float`;
        body.push(`need(ctx, off, ${n}, ${fpath}, ${luaString(`f${t.bits} (${n} bytes)`)})`);
        body.push(`ptree:add(${fv}, ctx.tvb(off, ${n}), ctx.tvb(off, ${n}):${getter}())`);
        body.push(`off = off + ${n}`);
        break;
      }
      case 'bool':
        body.push(`need(ctx, off, 1, ${fpath}, "bool (1 byte)")`);
        body.push('local b = ctx.tvb(off, 1):uint()');
        // Checked before it is shown: the codec shows no value it refuses.
        body.push(
          `if b > 1 then stop(ctx, nil, string.format("%s at offset %d: expected bool 0 or 1, got %d", ${fpath}, off - ctx.base, b)) end`,
        );
        body.push(`ptree:add(${fv}, ctx.tvb(off, 1), b == 1)`);
        body.push('off = off + 1');
        break;
      case 'bytes':
      case 'string': {
        body.push(...lengthInto('n', t.size, 'size', fpath));
        body.push(`need(ctx, off, n, ${fpath}, string.format("${t.kind} of %.0f bytes", n))`);
        if (t.kind === 'bytes') {
          body.push(`local item = ptree:add(${fv}, range(ctx, off, n))`);
          // Wireshark shows empty bytes as <MISSING>; say what it is.
          body.push(`if n == 0 then item:set_text(${luaString(`${f.name}: (0 bytes)`)}) end`);
        } else {
          const enc = t.encoding === 'latin1' ? 'ENC_ISO_8859_1' : 'ENC_UTF_8';
          body.push('local keep = n');
          if (t.pad !== undefined)
            body.push(`while keep > 0 and ctx.tvb(off + keep - 1, 1):uint() == ${t.pad} do keep = keep - 1 end`);
          // The codec refuses what is not UTF-8: so does the dissector.
          if (t.encoding === 'utf8') body.push(`check_utf8(ctx, off, keep, ${fpath})`);
          // Decoded by Wireshark itself (latin1 becomes UTF-8), padding left out.
          body.push(`ptree:add_packet_field(${fv}, range(ctx, off, keep), ${enc})`);
        }
        body.push('off = off + n');
        break;
      }
      case 'struct': {
        const fn = structFns.get(t.struct);
        if (!fn) throw new GenerateError(`internal: no dissect function for ${t.struct.name}`);
        body.push(`local item = ptree:add(${fv}, range(ctx, off, 0))`);
        body.push('local start = off');
        body.push(`off = ${fn}(ctx, item, off, ${fpath})`);
        body.push('item:set_len(off - start)');
        break;
      }
    }
    L.push(`\t-- ${f.name}`);
    L.push('\tdo');
    if (f.count === undefined) {
      L.push(`\t\tlocal fpath = path .. ${luaString(`.${f.name}`)}`);
      L.push('\t\tlocal ptree = tree');
      L.push(...body.map((b) => `\t\t${b}`));
    } else {
      L.push(`\t\tlocal apath = path .. ${luaString(`.${f.name}`)}`);
      L.push(...lengthInto('count', f.count, 'count', 'apath').map((l) => `\t\t${l}`));
      L.push(`\t\tlocal ptree = tree:add(${arrayVar}, range(ctx, off, 0))`);
      L.push('\t\tlocal astart = off');
      L.push('\t\tlocal i = 0');
      L.push(`\t\twhile ${f.count.kind === 'rest' ? 'off < ctx.limit' : 'i < count'} do`);
      L.push(`\t\t\tlocal fpath = path .. ${luaString(`.${f.name}`)} .. "[" .. i .. "]"`);
      L.push(...body.map((b) => `\t\t\t${b}`));
      L.push('\t\t\ti = i + 1');
      L.push('\t\tend');
      L.push('\t\tptree:set_len(off - astart)');
    }
    L.push('\tend');
  }
  L.push('\treturn off');
  L.push('end');
  L.push('');
  return L;

  /**
   * Lua lines setting @variable to a length (as the codec reads it: a count
   * may not be more than the bytes left after it, reported at the count).
   */
  function lengthInto(
    variable: string,
    len: NonNullable<FieldDef['count']>,
    what: 'count' | 'size',
    pathVar: string,
  ): string[] {
    const lines: string[] = [];
    switch (len.kind) {
      case 'fixed':
        return [`local ${variable} = ${len.n}`];
      case 'rest':
        return [`local ${variable} = ${what === 'size' ? 'ctx.limit - off' : '0'}`];
      case 'field':
        lines.push(`local ${variable} = scope[${luaString(len.field)}]`);
        if (what === 'count')
          lines.push(`check_count(ctx, off, off, ${variable}, ${pathVar}, ${luaString(`${len.field} = `)})`);
        return lines;
      case 'prefix': {
        const n = len.int.bits / 8;
        const prefixPath = `${pathVar} .. ${luaString(` (${what} prefix)`)}`;
        const type = `${len.int.signed ? 's' : 'u'}${len.int.bits}${len.int.bits > 8 && len.int.endian === 'big' ? 'be' : ''}`;
        lines.push(
          `local ${variable} = read_prefix(ctx, off, ${n}, ${len.int.endian === 'little'}, ${prefixPath}, ${luaString(`a ${n}-byte ${what} prefix (${type})`)})`,
        );
        if (what === 'count') lines.push(`check_count(ctx, off, off + ${n}, ${variable}, ${prefixPath}, "")`);
        lines.push(`off = off + ${n}`);
        return lines;
      }
    }
  }
}

const enumTableName = (e: ValueNames): string => `E_${e.name}`;
const flagsTableName = (e: ValueNames): string => `FL_${e.name}`;

const RUNTIME = `
-- Reads an n-byte unsigned integer: a number up to 4 bytes, else a UInt64.
local function read_uint(tvb, off, n, le)
	local r = tvb(off, n)
	if n <= 4 then
		if le then return r:le_uint() else return r:uint() end
	end
	if le then return r:le_uint64() else return r:uint64() end
end

-- Reads an n-byte two's-complement integer: a number up to 4 bytes, else an Int64.
local function read_int(tvb, off, n, le)
	local u = read_uint(tvb, off, n, le)
	if n <= 4 then
		if u >= 2 ^ (8 * n - 1) then return u - 2 ^ (8 * n) end
		return u
	end
	local i = Int64(u:lower(), u:higher())
	if n < 8 and u:rshift(8 * n - 1):band(UInt64(1)) == UInt64(1) then
		i = i - Int64(1):lshift(8 * n)
	end
	return i
end

local function to_number(v)
	if type(v) == "number" then return v end
	return v:tonumber()
end

-- Bits at..at+width-1 of an integer (number or UInt64/Int64).
local function bits_of(v, at, width)
	if type(v) == "number" then
		if v < 0 then v = v + 2 ^ 32 end
		return bit32.extract(v, at, width)
	end
	local u = UInt64(v:lower(), v:higher()):rshift(at)
	if width >= 64 then return u end
	local masked = u:band(UInt64(1):lshift(width) - UInt64(1))
	if width > 32 then return masked end
	return masked:tonumber()
end

local function key_of(v)
	return tostring(v)
end

local function append_name(item, names, v)
	local name = names[key_of(v)]
	if name then item:append_text(" (" .. name .. ")") end
end

local function append_flags(item, flags, v)
	local set = {}
	for _, f in ipairs(flags) do
		if bits_of(v, f[1], 1) == 1 then set[#set + 1] = f[2] end
	end
	item:append_text(" (" .. (#set > 0 and table.concat(set, " | ") or "none") .. ")")
end

-- Raised (as this table) once a problem has been reported, to stop decoding.
local STOP = {}

local function malformed(ctx, item, text)
	(item or ctx.root):add_proto_expert_info(ef_malformed, text)
end

local function need(ctx, off, n, path, what)
	if off + n > ctx.limit then
		malformed(ctx, nil, string.format("%s at offset %d: expected %s, but only %d bytes left", path, off - ctx.base, what, ctx.limit - off))
		error(STOP)
	end
end

local function range(ctx, off, n)
	if n == 0 then return ctx.tvb(0, 0) end
	return ctx.tvb(off, n)
end

-- Reports a problem at an item and stops decoding the message.
local function stop(ctx, item, text)
	malformed(ctx, item, text)
	error(STOP)
end

local function read_prefix(ctx, off, n, le, path, what)
	need(ctx, off, n, path, what)
	return to_number(read_uint(ctx.tvb, off, n, le))
end

-- A count is never more than the bytes left after it (the codec's rule).
local function check_count(ctx, at, from, count, path, got)
	if count > ctx.limit - from then
		stop(ctx, nil, string.format("%s at offset %d: expected a count of at most %d (the bytes left), got %s%.0f", path, at - ctx.base, ctx.limit - from, got, count))
	end
end

-- Whether the n bytes at off are well-formed UTF-8 (no overlong forms,
-- surrogates or values past U+10FFFF), as the codec's decoder requires.
local function utf8_ok(tvb, off, n)
	local bytes = tvb(off, n):bytes()
	local i = 0
	while i < n do
		local b = bytes:get_index(i)
		local more, lo, hi = 0, 0x80, 0xbf
		if b < 0x80 then more = 0
		elseif b >= 0xc2 and b <= 0xdf then more = 1
		elseif b >= 0xe0 and b <= 0xef then
			more = 2
			if b == 0xe0 then lo = 0xa0 elseif b == 0xed then hi = 0x9f end
		elseif b >= 0xf0 and b <= 0xf4 then
			more = 3
			if b == 0xf0 then lo = 0x90 elseif b == 0xf4 then hi = 0x8f end
		else return false end
		if more > 0 and i + more >= n then return false end
		for j = 1, more do
			local c = bytes:get_index(i + j)
			if c < lo or c > hi then return false end
			lo, hi = 0x80, 0xbf
		end
		i = i + 1 + more
	end
	return true
end

local function check_utf8(ctx, off, n, path)
	if n > 0 and not utf8_ok(ctx.tvb, off, n) then
		local shown = math.min(n, 16)
		stop(ctx, nil, string.format("%s at offset %d: expected UTF-8 text, got the bytes %s%s", path, off - ctx.base, ctx.tvb(off, shown):bytes():tohex(true), n > 16 and "..." or ""))
	end
end
`;

export interface LuaOptions {
  /** LINKTYPE_USER0 (147) .. LINKTYPE_USER15 (162) */
  linktype?: number;
}

export function generateLua(layout: Layout, source: string, options: LuaOptions = {}): string {
  return generateLuaDissector(layout, source, options).text;
}

/** The dissector and the table of the fields it declares. */
export function generateLuaDissector(
  layout: Layout,
  source: string,
  options: LuaOptions = {},
): { text: string; fields: LuaField[] } {
  const linktype = options.linktype ?? LINKTYPE_USER0;
  if (linktype < LINKTYPE_USER0 || linktype > LINKTYPE_USER15)
    throw new GenerateError(
      `link type ${linktype} is not one of LINKTYPE_USER0..15 (${LINKTYPE_USER0}..${LINKTYPE_USER15})`,
    );
  const p = `kucomms_${layout.protocol}`;
  const fields = new Fields();
  const out: string[] = [];
  out.push(`-- Wireshark dissector for the ${layout.protocol} protocol over kucomms:`);
  out.push(`-- generated by \`kucomms-studio gen lua ${source}\`. Do not edit.`);
  out.push(`-- Use: wireshark -X lua_script:THIS_FILE capture.pcapng (or copy it to the`);
  out.push(`-- personal Lua plugins folder); the packets are LINKTYPE_USER${linktype - LINKTYPE_USER0} (${linktype}).`);
  out.push('');
  out.push(`local proto = Proto(${luaString(p)}, ${luaString(`kucomms ${layout.protocol}`)})`);
  const D = { 0: 'tx (to the target)', 1: 'rx (from the target)' };
  const ph = {
    version: fields.add('version', `${p}.pseudo_version`, (a) => `ProtoField.uint8(${a}, "Pseudo-header version")`),
    direction: fields.add(
      'direction',
      `${p}.direction`,
      (a) => `ProtoField.uint8(${a}, "Direction", base.DEC, { [0] = ${luaString(D[0])}, [1] = ${luaString(D[1])} })`,
    ),
    target: fields.add('target', `${p}.target`, (a) => `ProtoField.string(${a}, "Target")`),
    kind: fields.add('kind', `${p}.kind`, (a) => `ProtoField.string(${a}, "Message kind")`),
    header: fields.add('header', `${p}.header`, (a) => `ProtoField.none(${a}, "Header")`),
    length: fields.add('length', `${p}.length`, (a) => `ProtoField.uint64(${a}, "length")`),
  };
  const headerVars: Record<string, string> = {};
  for (const k of HEADER_KEYS) {
    const h = layout.header[k];
    headerVars[k] = fields.add(
      k,
      `${p}.${k}`,
      (a) => `ProtoField.uint64(${a}, ${luaString(h.name === k ? k : `${k} (${h.name})`)})`,
    );
  }
  const dataVar = fields.add('data', `${p}.data`, (a) => `ProtoField.none(${a}, "Data")`);

  // Struct types first (dependencies before users), then the message kinds.
  const structFns = new Map<StructDef, string>();
  // A type and a message kind may share a name; their fields' filter names may not.
  const structAbbrs = new NameScope(new Set());
  const code: string[] = [];
  const visit = (s: StructDef, seen: Set<StructDef>): void => {
    if (structFns.has(s) || seen.has(s)) return;
    seen.add(s);
    for (const f of s.fields) if (f.type.kind === 'struct') visit(f.type.struct, seen);
    const fn = `dissect_type_${s.name}`;
    structFns.set(s, fn);
    code.push(...structFunction(layout, s, structAbbrs.claim(s.name), fn, fields, structFns, false));
  };
  for (const s of layout.types.values()) visit(s, new Set());
  const kindFns = layout.messages.map((m) => {
    const fn = `dissect_msg_${m.name}`;
    code.push(...structFunction(layout, m.struct, structAbbrs.claim(m.name), fn, fields, structFns, true));
    return fn;
  });

  out.push('');
  out.push('-- Every field, declared up front.');
  out.push('local F = {}');
  for (const [v, ctor] of fields.decls) out.push(`${v} = ${ctor}`);
  out.push(`proto.fields = { ${fields.decls.map(([v]) => v).join(', ')} }`);
  out.push(
    `local ef_malformed = ProtoExpert.new(${luaString(`${p}.malformed`)}, "Message does not fit the ${layout.protocol} layout", expert.group.MALFORMED, expert.severity.ERROR)`,
  );
  out.push('proto.experts = { ef_malformed }');
  out.push('');
  out.push('-- Enum names by value (for values wider than 32 bits) and flag bits.');
  for (const e of layout.enums.values())
    out.push(
      `local ${enumTableName(e)} = { ${e.entries.map((x) => `[${luaString(x.value.toString())}] = ${luaString(x.name)}`).join(', ')} }`,
    );
  for (const f of layout.flags.values())
    out.push(
      `local ${flagsTableName(f)} = { ${f.entries.map((x) => `{ ${x.value}, ${luaString(x.name)} }`).join(', ')} }`,
    );
  out.push(...RUNTIME.split('\n'));
  out.push(...code);

  out.push('-- The message kind a header selects (nil if none).');
  out.push('local function kind_of(h)');
  layout.messages.forEach((m, i) => {
    const conds = HEADER_KEYS.filter((k) => m.when[k] !== undefined).map(
      (k) => `h.${k} == UInt64.fromhex(${luaString((m.when[k] ?? 0n).toString(16).padStart(16, '0'))})`,
    );
    out.push(`\tif ${conds.length ? conds.join(' and ') : 'true'} then return ${luaString(m.name)}, ${kindFns[i]} end`);
  });
  out.push('\treturn nil, nil');
  out.push('end');
  out.push('');
  out.push(`function proto.dissector(tvb, pinfo, tree)`);
  out.push(`\tpinfo.cols.protocol = ${luaString(`kucomms ${layout.protocol}`)}`);
  out.push('\tlocal root = tree:add(proto, tvb())');
  out.push('\tlocal ctx = { tvb = tvb, root = root, limit = tvb:len(), base = 0 }');
  out.push('\tif tvb:len() < 4 then');
  out.push('\t\tmalformed(ctx, nil, "packet too short for the kucomms pseudo-header")');
  out.push('\t\treturn');
  out.push('\tend');
  out.push(`\troot:add(${ph.version}, tvb(0, 1))`);
  out.push('\tlocal direction = tvb(1, 1):uint()');
  out.push(`\troot:add(${ph.direction}, tvb(1, 1))`);
  out.push('\tlocal phlen = tvb(2, 2):le_uint()');
  out.push('\tif phlen < 4 or phlen + 32 > tvb:len() then');
  out.push(
    '\t\tmalformed(ctx, nil, string.format("pseudo-header length %d does not fit the %d-byte packet", phlen, tvb:len()))',
  );
  out.push('\t\treturn');
  out.push('\tend');
  out.push('\tlocal target = phlen > 4 and tvb(4, phlen - 4):string(ENC_UTF_8) or ""');
  out.push(`\troot:add(${ph.target}, range(ctx, 4, phlen - 4), target)`);
  out.push('\tlocal h = {}');
  out.push(`\tlocal ht = root:add(${ph.header}, tvb(phlen, 32))`);
  out.push(`\th.length = tvb(phlen, 8):le_uint64()`);
  out.push(`\tht:add(${ph.length}, tvb(phlen, 8), h.length)`);
  HEADER_KEYS.forEach((k, i) => {
    out.push(`\th.${k} = tvb(phlen + ${8 * (i + 1)}, 8):le_uint64()`);
    out.push(`\tlocal item_${k} = ht:add(${headerVars[k]}, tvb(phlen + ${8 * (i + 1)}, 8), h.${k})`);
    const e = layout.header[k].enum;
    if (e) out.push(`\tappend_name(item_${k}, ${enumTableName(e)}, h.${k})`);
  });
  out.push('\tctx.base = phlen');
  out.push('\tlocal dlen = tvb:len() - phlen - 32');
  out.push('\tif h.length ~= UInt64(dlen) then');
  out.push(
    '\t\tmalformed(ctx, ht, string.format("header.length says %s data bytes, but %d follow the header", tostring(h.length), dlen))',
  );
  out.push('\tend');
  out.push('\tlocal kind, dissect = kind_of(h)');
  out.push(
    `\tpinfo.cols.info = string.format("%s %s %s type=%s id=%s len=%d", direction == 1 and "rx" or "tx", target, kind or "?", tostring(h.type), tostring(h.id), dlen)`,
  );
  out.push('\tif not kind then');
  out.push(
    `\t\tmalformed(ctx, nil, string.format("data at offset 32: no message kind of ${layout.protocol} matches type=%s id=%s user_value=%s", tostring(h.type), tostring(h.id), tostring(h.user_value)))`,
  );
  out.push('\t\treturn');
  out.push('\tend');
  out.push(`\troot:add(${ph.kind}, tvb(phlen, 32), kind)`);
  out.push(`\tlocal dt = root:add(${dataVar}, range(ctx, phlen + 32, dlen))`);
  out.push('\tlocal ok, err = pcall(function()');
  out.push('\t\tlocal off = dissect(ctx, dt, phlen + 32, "data")');
  out.push('\t\tif off < ctx.limit then');
  out.push(
    '\t\t\tmalformed(ctx, nil, string.format("data at offset %d: expected the end of %s, but %d more bytes follow", off - phlen, kind, ctx.limit - off))',
  );
  out.push('\t\tend');
  out.push('\tend)');
  out.push('\tif not ok and err ~= STOP then malformed(ctx, nil, "dissector error: " .. tostring(err)) end');
  out.push('end');
  out.push('');
  out.push(`DissectorTable.get("wtap_encap"):add(wtap_encaps.USER${linktype - LINKTYPE_USER0}, proto)`);
  return { text: `${out.join('\n')}\n`, fields: fields.table };
}
