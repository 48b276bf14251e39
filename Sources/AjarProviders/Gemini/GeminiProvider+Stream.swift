import AjarCore
import Foundation

extension GeminiProvider {
    /// Turns `streamGenerateContent?alt=sse` events into canonical chunks.
    ///
    /// Each event's `data:` is a whole `GenerateContentResponse` holding only the new parts. There
    /// is no `[DONE]`: the body simply ends, after an event whose candidates carry `finishReason`
    /// and whose `usageMetadata` is final (earlier events may carry running counts, so only the last
    /// one seen is kept). A candidate's first chunk carries `role: assistant`; text parts become
    /// `delta.content`; each `functionCall` part arrives whole, so it becomes one
    /// ``ToolCallDelta`` with id, name and all arguments (indices count calls per candidate, ids
    /// count them over the response, as in a non-streamed answer). The usage chunk (no choices) is
    /// emitted by ``finish()``, which throws ``ProviderError/streamEndedEarly(_:)`` if the body
    /// ended before every candidate had finished.
    package struct StreamDecoder: StreamChunkDecoder {
        package let requestedModel: String
        package let created: Int
        private var id: String?
        private var model: String?
        /// Per candidate index: tool calls so far (nil until its first chunk).
        private var callsPerCandidate: [Int: Int] = [:]
        private var finishedCandidates: Set<Int> = []
        private var callCount = 0
        private var usage: Usage?

        package init(requestedModel: String, created: Int) {
            self.requestedModel = requestedModel
            self.created = created
        }

        package mutating func decode(_ event: SSEParser.Event) throws -> [ChatChunk] {
            let data = event.data.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !data.isEmpty else { return [] }
            let json: JSON
            do {
                json = try JSONParser.parse(data)
            } catch {
                throw ProviderError.malformedResponse("Gemini stream event is not JSON: \(error)")
            }
            if let error = GeminiWire.streamError(json) { throw error }
            guard let object = json.objectValue else {
                throw ProviderError.malformedResponse("Gemini stream event is not a JSON object")
            }
            if id == nil { id = object["responseId"]?.stringValue ?? GeminiProvider.makeResponseID() }
            if model == nil { model = object["modelVersion"]?.stringValue }
            if let usage = GeminiWire.usage(object["usageMetadata"]) { self.usage = usage }

            var choices: [ChunkChoice] = []
            let candidates = object["candidates"]?.arrayValue ?? []
            for (position, candidate) in candidates.enumerated() {
                if let choice = decodeCandidate(candidate, position: position) { choices.append(choice) }
            }
            if candidates.isEmpty, object["promptFeedback"]?["blockReason"]?.stringValue != nil,
                finishedCandidates.isEmpty
            {
                // The prompt was blocked: no candidate will come, and this is the whole answer.
                callsPerCandidate[0] = 0
                finishedCandidates.insert(0)
                choices.append(
                    ChunkChoice(index: 0, delta: ChunkDelta(role: .assistant), finishReason: .contentFilter))
            }
            guard !choices.isEmpty else { return [] }
            return [makeChunk(choices: choices)]
        }

        private mutating func decodeCandidate(_ candidate: JSON, position: Int) -> ChunkChoice? {
            let index = candidate["index"]?.intValue ?? position
            var delta = ChunkDelta()
            if callsPerCandidate[index] == nil {
                delta.role = .assistant
                callsPerCandidate[index] = 0
            }
            let (text, calls) = GeminiProvider.candidateOutput(candidate, callCount: &callCount)
            if !text.isEmpty { delta.content = text }
            var callIndex = callsPerCandidate[index] ?? 0
            for call in calls {
                delta.toolCalls.append(
                    ToolCallDelta(index: callIndex, id: call.id, name: call.name, arguments: call.arguments))
                callIndex += 1
            }
            callsPerCandidate[index] = callIndex

            var finishReason: FinishReason?
            if let raw = candidate["finishReason"]?.stringValue {
                finishReason = GeminiWire.finishReason(raw, hasToolCalls: callIndex > 0)
                finishedCandidates.insert(index)
            }
            let logprobs = GeminiWire.logprobs(candidate["logprobsResult"])
            guard
                delta.role != nil || delta.content != nil || !delta.toolCalls.isEmpty || finishReason != nil
                    || logprobs != nil
            else { return nil }
            return ChunkChoice(index: index, delta: delta, finishReason: finishReason, logprobs: logprobs)
        }

        package mutating func finish() throws -> [ChatChunk] {
            let started = Set(callsPerCandidate.keys)
            guard !finishedCandidates.isEmpty, started.isSubset(of: finishedCandidates) else {
                throw ProviderError.streamEndedEarly("the Gemini stream ended before a finishReason")
            }
            guard let usage else { return [] }
            return [makeChunk(choices: [], usage: usage)]
        }

        private func makeChunk(choices: [ChunkChoice], usage: Usage? = nil) -> ChatChunk {
            ChatChunk(
                id: id ?? GeminiProvider.makeResponseID(), model: model ?? requestedModel, created: created,
                choices: choices, usage: usage)
        }
    }
}
