// Types for scripts/build-wasm.mjs, so test/crypto/build.test.ts can import it under strict TypeScript.
export declare const SHA1_FILE: string;
export declare function wasmSources(root?: string): [name: string, text: string][];
export declare function sourceDigest(sources: readonly (readonly [name: string, text: string])[]): string;
