// Types for scripts/build-example.mjs, so example/app.ts can import it under strict TypeScript.
export declare const bundlePath: string;
export declare function isBundleStale(): boolean;
export declare function buildExample(options?: { ifStale?: boolean }): Promise<boolean>;
