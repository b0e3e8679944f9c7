/**
 * The client's address, as the rate limiter keys on it and session rows record it.
 *
 * Every header is chosen by the client unless a proxy we trust wrote it, so the address comes from the
 * connection (the socket's peer) unless the deployment names the proxies in front of it
 * (`advanced.ipAddress.trustedProxies`): a hop count, or a list of addresses and CIDR ranges. Then the
 * forwarding header is read from the right (the entries proxies append, MDN "X-Forwarded-For",
 * "Security and privacy concerns": only the rightmost entries added by trusted proxies can be believed),
 * and the first address not added by a trusted proxy is the client's.
 *
 * Only syntactically valid IP addresses count (node:net isIP). An IPv4-mapped IPv6 address
 * (`::ffff:192.0.2.1`, RFC 4291 section 2.5.5.2) is the IPv4 address it carries, and an IPv6 address is
 * bucketed by its /64 prefix (configurable), since one subscriber is routinely handed a whole /64
 * (RFC 6177), and keying on full addresses would give one machine 2^64 separate budgets. Keys use
 * Better Auth's spelling (dotted IPv4; IPv6 as eight 4-digit lower-case groups, host bits zeroed).
 */
import { isIP } from "node:net";

export interface IpAddressOptions {
  /**
   * Headers that carry the forwarding chain, first present one wins. Read only when `trustedProxies`
   * is set (a header no trusted proxy wrote is the client's own text). Default ["x-forwarded-for"].
   */
  ipAddressHeaders?: string[];
  /**
   * Which proxies in front of the server to believe. A number: that many hops, counting the one that
   * connected to this server (1: one reverse proxy; 2: a load balancer in front of a reverse proxy).
   * A list: addresses or CIDR ranges ("10.0.0.0/8", "::1"); the connection's peer must be one of them
   * for any header to be read. Default: none, the address is the connection's peer.
   */
  trustedProxies?: number | string[];
  /** Prefix length IPv6 addresses are bucketed by (0-128). Default 64. */
  ipv6Subnet?: number;
  /** No addresses at all: the rate limiter does not apply, session rows record "". Default false. */
  disableIpTracking?: boolean;
}

interface Net {
  bytes: Uint8Array;
  prefix: number;
}

export interface AddressSettings {
  disabled: boolean;
  headers: readonly string[];
  trust: { hops: number } | { nets: readonly Net[] } | null;
  ipv6Subnet: number;
}

/** Validated settings from `advanced`; throws at init on anything it cannot honour. */
export function addressSettings(advanced: Record<string, unknown> | undefined): AddressSettings {
  if (advanced?.ipAddressHeaders !== undefined) {
    throw new Error(
      "kernia: advanced.ipAddressHeaders is no longer read (a header is the client's own text unless a proxy you trust wrote it). " +
        "Use advanced.ipAddress: { trustedProxies: <hops or addresses>, ipAddressHeaders: [...] }; see docs/security.md.",
    );
  }
  const o = (advanced?.ipAddress ?? {}) as IpAddressOptions;
  const subnet = o.ipv6Subnet ?? 64;
  if (!Number.isInteger(subnet) || subnet < 0 || subnet > 128) {
    throw new Error(`kernia: advanced.ipAddress.ipv6Subnet must be an integer 0..128, got ${JSON.stringify(o.ipv6Subnet)}`);
  }
  let trust: AddressSettings["trust"] = null;
  const tp = o.trustedProxies;
  if (typeof tp === "number") {
    if (!Number.isInteger(tp) || tp < 0)
      throw new Error(`kernia: advanced.ipAddress.trustedProxies: a hop count must be an integer >= 0, got ${tp}`);
    trust = tp === 0 ? null : { hops: tp };
  } else if (Array.isArray(tp)) {
    const nets = tp.map((entry) => {
      const net = typeof entry === "string" ? parseCidr(entry) : null;
      if (net === null)
        throw new Error(`kernia: advanced.ipAddress.trustedProxies: ${JSON.stringify(entry)} is not an IP address or CIDR range`);
      return net;
    });
    trust = nets.length === 0 ? null : { nets };
  } else if (tp !== undefined) {
    throw new Error("kernia: advanced.ipAddress.trustedProxies must be a hop count or a list of addresses/CIDR ranges");
  }
  if (o.ipAddressHeaders !== undefined && trust === null && o.disableIpTracking !== true) {
    throw new Error(
      "kernia: advanced.ipAddress.ipAddressHeaders is read only from proxies you trust; set advanced.ipAddress.trustedProxies " +
        "(a hop count or their addresses), see docs/security.md",
    );
  }
  const headers = (o.ipAddressHeaders ?? ["x-forwarded-for"]).map((h) => h.toLowerCase());
  return { disabled: o.disableIpTracking === true, headers, trust, ipv6Subnet: subnet };
}

/**
 * 16 bytes for IPv6, 4 for IPv4 (mapped IPv6 folded), or null when `text` is not an IP address.
 * Accepts the bracketed and port-suffixed spellings some proxies append (`[2001:db8::1]:443`,
 * `192.0.2.1:80`) and drops an IPv6 zone (`fe80::1%eth0`), which names an interface, not a host.
 */
export function parseIp(text: string): Uint8Array | null {
  let s = text.trim();
  if (s.length === 0 || s.length > 64) return null;
  if (s.startsWith("[")) {
    const end = s.indexOf("]");
    if (end === -1) return null;
    const rest = s.slice(end + 1);
    if (rest !== "" && !isPort(rest)) return null;
    s = s.slice(1, end);
  } else if (/^\d{1,3}(\.\d{1,3}){3}:/.test(s)) {
    if (!isPort(s.slice(s.indexOf(":")))) return null;
    s = s.slice(0, s.indexOf(":"));
  }
  const zone = s.indexOf("%");
  if (zone !== -1) s = s.slice(0, zone);
  const family = isIP(s);
  if (family === 4) return v4Bytes(s);
  if (family !== 6) return null;
  const bytes = v6Bytes(s);
  // ::ffff:a.b.c.d (RFC 4291 2.5.5.2): the same host as a.b.c.d.
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return bytes;
  return bytes[10] === 0xff && bytes[11] === 0xff ? Uint8Array.of(bytes[12], bytes[13], bytes[14], bytes[15]) : bytes;
}

/** ":<port>", port 0-65535. */
function isPort(text: string): boolean {
  return /^:\d{1,5}$/.test(text) && Number(text.slice(1)) <= 65535;
}

function v4Bytes(s: string): Uint8Array {
  const out = new Uint8Array(4);
  let part = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) part++;
    else out[part] = out[part] * 10 + (c - 0x30);
  }
  return out;
}

/** Hex groups of `part` ("2001:db8", no "::") appended to `out`. */
function hexGroups(part: string, out: number[]): void {
  if (part === "") return;
  let v = 0;
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    if (c === 0x3a) {
      out.push(v);
      v = 0;
    } else {
      v = v * 16 + (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);
    }
  }
  out.push(v);
}

/** An address isIP already accepted as IPv6 (so its shape is known good). */
function v6Bytes(text: string): Uint8Array {
  let s = text;
  if (s.includes(".")) {
    // An embedded dotted IPv4 (RFC 4291 2.2 form 3) is the last two groups.
    const last = s.lastIndexOf(":");
    const v4 = v4Bytes(s.slice(last + 1));
    s = `${s.slice(0, last + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const gap = s.indexOf("::");
  const left: number[] = [];
  const right: number[] = [];
  if (gap === -1) hexGroups(s, left);
  else {
    hexGroups(s.slice(0, gap), left);
    hexGroups(s.slice(gap + 2), right);
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < left.length; i++) {
    out[i * 2] = left[i] >> 8;
    out[i * 2 + 1] = left[i] & 0xff;
  }
  const start = 8 - right.length;
  for (let i = 0; i < right.length; i++) {
    out[(start + i) * 2] = right[i] >> 8;
    out[(start + i) * 2 + 1] = right[i] & 0xff;
  }
  return out;
}

function parseCidr(value: string): Net | null {
  const slash = value.lastIndexOf("/");
  const bytes = parseIp(slash === -1 ? value : value.slice(0, slash));
  if (bytes === null) return null;
  const max = bytes.length * 8;
  if (slash === -1) return { bytes, prefix: max };
  const p = value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(p)) return null;
  // A mapped-IPv4 CIDR (::ffff:10.0.0.0/104) folds to IPv4, its prefix with it.
  const prefix = Number(p) - (bytes.length === 4 && value.includes(":") ? 96 : 0);
  return prefix >= 0 && prefix <= max ? { bytes, prefix } : null;
}

function inNet(ip: Uint8Array, net: Net): boolean {
  if (ip.length !== net.bytes.length) return false;
  let bits = net.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((ip[i] & mask) !== (net.bytes[i] & mask)) return false;
  }
  return true;
}

/** The bucket an address falls in: dotted IPv4, or the IPv6 prefix as Better Auth spells it. */
function keyOf(ip: Uint8Array, subnet: number): string {
  if (ip.length === 4) return ip.join(".");
  const groups: string[] = [];
  let bits = subnet;
  for (let i = 0; i < 16; i += 2, bits -= 16) {
    const g = (ip[i] << 8) | ip[i + 1];
    const mask = bits >= 16 ? 0xffff : bits <= 0 ? 0 : (0xffff << (16 - bits)) & 0xffff;
    groups.push((g & mask).toString(16).padStart(4, "0"));
  }
  return groups.join(":");
}

function keyOrNull(ip: Uint8Array | null, subnet: number): string | null {
  return ip === null ? null : keyOf(ip, subnet);
}

/** Forwarding entries of the first configured header present, left to right. */
function chain(headers: Headers, names: readonly string[]): string[] | null {
  for (const name of names) {
    const value = headers.get(name);
    if (value === null) continue;
    return value
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  }
  return null;
}

/**
 * The client's address key, or null when there is no usable one.
 *
 * `peer` is the connection's remote address (node: `req.socket.remoteAddress`); undefined when the
 * caller has none (a Fetch Request handed to auth.handler without one, auth.api). With no trusted
 * proxies, the peer is the answer. With trusted proxies and no peer, whoever built the request is
 * taken to be the first trusted hop (a platform that hands over a Fetch Request and appends to
 * X-Forwarded-For): a hop count still says how many entries to skip; a list still checks each entry.
 */
export function resolveClientAddress(settings: AddressSettings, headers: Headers, peer: string | undefined): string | null {
  if (settings.disabled) return null;
  // The common case, a plain IPv4 peer and no proxies: isIP accepts only canonical dotted decimal
  // (no leading zeros), so the text is its own key.
  if (settings.trust === null) {
    if (peer === undefined) return null;
    if (isIP(peer) === 4) return peer;
    // A dual-stack server (listening on "::") sees IPv4 clients as ::ffff:a.b.c.d.
    if (peer.startsWith("::ffff:") && isIP(peer.slice(7)) === 4) return peer.slice(7);
    return keyOrNull(parseIp(peer), settings.ipv6Subnet);
  }
  const socket = peer === undefined ? undefined : parseIp(peer);
  if (socket === null) return null;
  const { trust } = settings;
  const key = (ip: Uint8Array) => keyOf(ip, settings.ipv6Subnet);
  if (trust === null) return socket === undefined ? null : key(socket);
  if ("nets" in trust && socket !== undefined && !trust.nets.some((n) => inNet(socket, n))) return key(socket);
  const entries = chain(headers, settings.headers) ?? [];
  if (entries.length === 0) return socket === undefined ? null : key(socket);
  if ("hops" in trust) {
    // The peer is hop 1 and appended the last entry; each further trusted hop appended one more.
    const ip = parseIp(entries[Math.max(0, entries.length - trust.hops)]);
    return ip === null ? null : key(ip);
  }
  for (let i = entries.length - 1; i >= 0; i--) {
    const ip = parseIp(entries[i]);
    if (ip === null) return null; // not an address: nothing left of it can be believed either
    if (i === 0 || !trust.nets.some((n) => inNet(ip, n))) return key(ip);
  }
  return null;
}

let nextConnection = 0;
const connectionKeys = new WeakMap<object, string>();

/**
 * A key for one transport connection (a socket), for requests with no usable address: such clients
 * then share nothing with each other, and opening a connection costs a client a TCP handshake. Held
 * weakly, so a closed connection's key goes with it.
 */
export function connectionKey(connection: object): string {
  let key = connectionKeys.get(connection);
  if (key === undefined) connectionKeys.set(connection, (key = `connection:${++nextConnection}`));
  return key;
}
