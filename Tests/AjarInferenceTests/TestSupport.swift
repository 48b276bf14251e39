import Foundation

/// Whether this test binary was optimised. Tests that run the whole model take minutes per prompt
/// in a debug build, so they run only in release builds (`AJAR_TEST_RELEASE=1 ./scripts/test`).
let isOptimizedBuild: Bool = {
    #if DEBUG
    return false
    #else
    return true
    #endif
}()

/// The repository's `models/` copy of the default chat model (scripts/fetch-models).
let defaultModelPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path

/// The model is present and the build is optimised.
let canRunWholeModel = isOptimizedBuild && FileManager.default.fileExists(atPath: defaultModelPath)
