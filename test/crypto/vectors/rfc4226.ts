// RFC 4226 Appendix D: HOTP test values for the ASCII secret "12345678901234567890" (HMAC-SHA-1),
// with the intermediate HMAC and the dynamically truncated 31-bit value (section 5.3) per counter.
export const RFC4226_SECRET = "12345678901234567890";
/** Base32 (RFC 4648) of the secret, as an authenticator app would receive it. */
export const RFC4226_SECRET_BASE32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

export interface Rfc4226Vector {
  counter: number;
  hmacSha1: string; // hex
  truncatedHex: string;
  truncated: number;
  hotp: string; // 6 digits
}

export const RFC4226_VECTORS: readonly Rfc4226Vector[] = [
  { counter: 0, hmacSha1: "cc93cf18508d94934c64b65d8ba7667fb7cde4b0", truncatedHex: "4c93cf18", truncated: 1284755224, hotp: "755224" },
  { counter: 1, hmacSha1: "75a48a19d4cbe100644e8ac1397eea747a2d33ab", truncatedHex: "41397eea", truncated: 1094287082, hotp: "287082" },
  { counter: 2, hmacSha1: "0bacb7fa082fef30782211938bc1c5e70416ff44", truncatedHex: "82fef30", truncated: 137359152, hotp: "359152" },
  { counter: 3, hmacSha1: "66c28227d03a2d5529262ff016a1e6ef76557ece", truncatedHex: "66ef7655", truncated: 1726969429, hotp: "969429" },
  { counter: 4, hmacSha1: "a904c900a64b35909874b33e61c5938a8e15ed1c", truncatedHex: "61c5938a", truncated: 1640338314, hotp: "338314" },
  { counter: 5, hmacSha1: "a37e783d7b7233c083d4f62926c7a25f238d0316", truncatedHex: "33c083d4", truncated: 868254676, hotp: "254676" },
  { counter: 6, hmacSha1: "bc9cd28561042c83f219324d3c607256c03272ae", truncatedHex: "7256c032", truncated: 1918287922, hotp: "287922" },
  { counter: 7, hmacSha1: "a4fb960c0bc06e1eabb804e5b397cdc4b45596fa", truncatedHex: "4e5b397", truncated: 82162583, hotp: "162583" },
  { counter: 8, hmacSha1: "1b3c89f65e6c9e883012052823443f048b4332db", truncatedHex: "2823443f", truncated: 673399871, hotp: "399871" },
  { counter: 9, hmacSha1: "1637409809a679dc698207310c8c7fc07290d9e5", truncatedHex: "2679dc69", truncated: 645520489, hotp: "520489" },
];
