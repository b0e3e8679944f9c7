// RFC 4648 section 10: base32 test vectors (section 6 alphabet), padded as in the RFC.
export const RFC4648_BASE32: ReadonlyArray<readonly [input: string, encoded: string]> = [
  ["", ""],
  ["f", "MY======"],
  ["fo", "MZXQ===="],
  ["foo", "MZXW6==="],
  ["foob", "MZXW6YQ="],
  ["fooba", "MZXW6YTB"],
  ["foobar", "MZXW6YTBOI======"],
];
