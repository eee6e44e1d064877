/** The flags headless chromium is started with (scripts/chromium.cjs); a fresh array on every call. */
export declare function chromiumArgs(): string[];
