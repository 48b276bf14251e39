/// A loaded Llama-family model: its hyperparameters and views of its weights in the mapped file.
/// Immutable once loaded, so one model serves any number of ``LlamaState``s (one per sequence).
package final class LlamaModel: Sendable {
    package let file: GGUFFile
    package let config: LlamaConfig
    package let weights: LlamaWeights
    /// The threads that split each matrix's rows.
    let pool: LlamaOps.Pool

    /// Maps the file and checks every hyperparameter and tensor the forward pass uses.
    /// - Parameter threads: threads per matrix multiplication (default: the machine's cores).
    package init(path: String, threads: Int? = nil) throws(ModelError) {
        do {
            file = try GGUFFile(path: path)
        } catch {
            throw .file("\(error)")
        }
        config = try LlamaConfig(file: file)
        weights = try LlamaWeights(file: file, config: config)
        pool = LlamaOps.Pool(threads: threads ?? LlamaOps.Pool.defaultThreads)
    }

    /// A fresh state for a sequence of at most `capacity` tokens.
    package func makeState(capacity: Int) -> LlamaState {
        LlamaState(config: config, capacity: capacity)
    }
}
