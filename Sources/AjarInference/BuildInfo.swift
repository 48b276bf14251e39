/// Facts about how this module was compiled.
package enum BuildInfo {
    /// Whether the engine was compiled with optimisation (`-O`/`-Ounchecked`). The package builds
    /// it optimised in debug configurations too (see Package.swift), so this is usually `true`;
    /// whole-model tests need it (unoptimised numeric code is 10–100× slower).
    package static let isOptimized: Bool = !_isDebugAssertConfiguration()
}
