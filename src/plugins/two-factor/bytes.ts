/**
 * Byte and text helpers, and the alphabets of the random values the plugin makes, in one place.
 */
const encoder = new TextEncoder();

export const utf8 = (text: string): Uint8Array => encoder.encode(text);
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
export const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, "hex"));
export const base64urlNoPad = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url");

/** [A-Za-z0-9_-], the alphabet Better Auth uses for 2FA identifiers and TOTP secrets. */
export const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/**
 * Backup-code characters: upper-case letters and digits without the look-alikes 0/O, 1/I/L (and no
 * lower case, since codes are compared case-insensitively): 31 symbols, log2(31) = 4.95 bits each.
 */
export const BACKUP_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
