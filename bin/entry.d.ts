// Types of bin/entry.js, for the tests that import it.
export declare const SOURCE_DIRS: readonly string[];
export declare const STAMP: string;
export declare function compiledState(root?: string): { fresh: boolean; reason: string };
export declare function importEntry(module: string): Promise<unknown>;
