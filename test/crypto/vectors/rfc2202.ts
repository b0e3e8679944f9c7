// RFC 2202 section 3: HMAC-SHA-1 test cases (cases 6 and 7 use an 80-byte key, longer than the 64-byte
// block, so the key is hashed first: RFC 2104 section 2). Keys and data are hex.
export interface HmacVector {
  name: string;
  key: string;
  data: string;
  /** Expected MAC in hex; compare only the first `truncateBytes` when set. */
  mac: string;
  truncateBytes?: number;
}

const ascii = (s: string): string => Array.from(s, (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");

export const RFC2202_SHA1: readonly HmacVector[] = [
  { name: "case 1", key: "0b".repeat(20), data: ascii("Hi There"), mac: "b617318655057264e28bc0b6fb378c8ef146be00" },
  { name: "case 2", key: ascii("Jefe"), data: ascii("what do ya want for nothing?"), mac: "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
  { name: "case 3", key: "aa".repeat(20), data: "dd".repeat(50), mac: "125d7342b9ac11cd91a39af48aa17b4f63f175d3" },
  {
    name: "case 4",
    key: "0102030405060708090a0b0c0d0e0f10111213141516171819",
    data: "cd".repeat(50),
    mac: "4c9007f4026250c6bc8414f9bf50c86c2d7235da",
  },
  {
    name: "case 5 (truncated to 96 bits)",
    key: "0c".repeat(20),
    data: ascii("Test With Truncation"),
    mac: "4c1a03424b55e07fe7f27be1",
    truncateBytes: 12,
  },
  {
    name: "case 6 (80-byte key)",
    key: "aa".repeat(80),
    data: ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
    mac: "aa4ae5e15272d00e95705637ce8a3b55ed402112",
  },
  {
    name: "case 7 (80-byte key, 73-byte data)",
    key: "aa".repeat(80),
    data: ascii("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"),
    mac: "e8e99d0f45237d786d6bbaa7965c7808bbff1a91",
  },
];
