import AjarCore
import AjarProviders
import Testing

/// Pure tests of the Gemini mapping: URLs, request bodies, schemas, answers, stream events.
@Suite struct GeminiMappingTests {
    // MARK: - URLs

    @Test(
        "builds the endpoint from a base URL with or without a trailing slash or /v1beta",
        arguments: [
            "https://generativelanguage.googleapis.com", "https://generativelanguage.googleapis.com/",
            "https://generativelanguage.googleapis.com/v1beta", "https://generativelanguage.googleapis.com/v1beta/",
        ])
    func endpointURL(baseURL: String) {
        #expect(
            GeminiWire.url(baseURL: baseURL, model: "gemini-2.5-flash", stream: false)
                == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent")
        #expect(
            GeminiWire.url(baseURL: baseURL, model: "models/gemini-2.5-flash", stream: true)
                == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
        )
    }

    @Test("percent-encodes the model name so it stays one path segment")
    func encodesModelName() {
        #expect(
            GeminiWire.url(baseURL: "http://h", model: "a/b?c#d e", stream: false)
                == "http://h/v1beta/models/a%2Fb%3Fc%23d%20e:generateContent")
    }

    // MARK: - Request

    @Test("maps roles, system instructions, tool calls and tool results")
    func mapsConversation() throws {
        var assistant = ChatMessage(role: .assistant, text: "Let me check.")
        assistant.toolCalls = [ToolCall(id: "call_9", name: "get_weather", arguments: #"{"location":"Paris"}"#)]
        var tool = ChatMessage(role: .tool, text: "sunny, 21°C")
        tool.toolCallID = "call_9"
        var jsonTool = ChatMessage(role: .tool, text: #"{"temperature":21}"#)
        jsonTool.toolCallID = "call_9"
        let request = ChatRequest(
            model: "m",
            messages: [
                ChatMessage(role: .system, text: "Be brief."),
                ChatMessage(role: .user, text: "Weather in Paris?"),
                assistant, tool, jsonTool,
                ChatMessage(role: .developer, text: "Use Celsius."),
                ChatMessage(role: .user, text: "Thanks"),
            ])
        let body = try GeminiProvider.makeRequestBody(request)

        #expect(body["systemInstruction"] == ["parts": [["text": "Be brief."], ["text": "Use Celsius."]]])
        let contents = try #require(body["contents"]?.arrayValue)
        #expect(contents.map { $0["role"]?.stringValue } == ["user", "model", "user"])
        #expect(
            contents[1]["parts"]
                == [
                    ["text": "Let me check."],
                    ["functionCall": ["name": "get_weather", "args": ["location": "Paris"]]],
                ])
        // Both tool results and the following user text are merged into one user content.
        #expect(
            contents[2]["parts"]
                == [
                    ["functionResponse": ["name": "get_weather", "response": ["content": "sunny, 21°C"]]],
                    ["functionResponse": ["name": "get_weather", "response": ["temperature": 21]]],
                    ["text": "Thanks"],
                ])
    }

    @Test("refuses tool-call arguments that are not a JSON object, naming the message")
    func invalidArguments() {
        var assistant = ChatMessage(role: .assistant, content: [])
        assistant.toolCalls = [ToolCall(id: "call_1", name: "f", arguments: "{not json")]
        let request = ChatRequest(model: "m", messages: [ChatMessage(role: .user, text: "hi"), assistant])
        let error = #expect(throws: GatewayError.self) { try GeminiProvider.makeRequestBody(request) }
        guard case .invalidRequest(let message, let param) = error else {
            Issue.record("unexpected error \(String(describing: error))")
            return
        }
        #expect(param == "messages[1].tool_calls[0].function.arguments")
        #expect(message.contains("messages[1]"))
    }

    @Test("refuses a tool message that answers no earlier call")
    func orphanToolMessage() {
        var tool = ChatMessage(role: .tool, text: "42")
        tool.toolCallID = "call_unknown"
        let request = ChatRequest(model: "m", messages: [ChatMessage(role: .user, text: "hi"), tool])
        #expect(
            throws: GatewayError.invalidRequest(
                "Tool message messages[1] answers tool call 'call_unknown', which no earlier assistant message made.",
                param: "messages[1].tool_call_id")
        ) { try GeminiProvider.makeRequestBody(request) }
    }

    @Test("maps data: images to inlineData and other URLs to fileData with a guessed type")
    func images() throws {
        let message = ChatMessage(
            role: .user,
            content: [
                .text("What is this?"),
                .image(ImageSource(url: "data:image/png;base64,iVBORw0K")),
                .image(ImageSource(url: "https://example.com/cat.webp?size=large")),
                .image(ImageSource(url: "https://example.com/photo")),
            ])
        let body = try GeminiProvider.makeRequestBody(ChatRequest(model: "m", messages: [message]))
        #expect(
            body["contents"]?.arrayValue?.first?["parts"]
                == [
                    ["text": "What is this?"],
                    ["inlineData": ["mimeType": "image/png", "data": "iVBORw0K"]],
                    ["fileData": ["mimeType": "image/webp", "fileUri": "https://example.com/cat.webp?size=large"]],
                    ["fileData": ["mimeType": "image/jpeg", "fileUri": "https://example.com/photo"]],
                ])
    }

    @Test("maps sampling, limits, tools, tool choice and JSON schema output")
    func generationConfigAndTools() throws {
        var request = ChatRequest(model: "m", messages: [ChatMessage(role: .user, text: "hi")])
        request.temperature = 0.5
        request.topP = 0.9
        request.topK = 40
        request.n = 2
        request.maxTokens = 100
        request.stop = ["END"]
        request.seed = 7
        request.presencePenalty = 0.1
        request.frequencyPenalty = 0.2
        request.logprobs = true
        request.topLogprobs = 3
        let schema: JSON = ["type": "object", "properties": ["a": ["type": "string"]], "additionalProperties": false]
        request.responseFormat = .jsonSchema(name: "answer", description: nil, schema: schema, strict: true)
        request.tools = [
            ToolDefinition(name: "get_weather", description: "Weather", parameters: schema, strict: true),
            ToolDefinition(name: "now", parameters: ["type": "object", "properties": [:]]),
        ]
        request.toolChoice = .function("get_weather")
        let body = try GeminiProvider.makeRequestBody(request)

        #expect(
            body["generationConfig"]
                == [
                    "temperature": 0.5, "topP": 0.9, "topK": 40, "candidateCount": 2, "maxOutputTokens": 100,
                    "stopSequences": ["END"], "seed": 7, "presencePenalty": 0.1, "frequencyPenalty": 0.2,
                    "responseLogprobs": true, "logprobs": 3, "responseMimeType": "application/json",
                    // JSON Schema goes through verbatim: responseJsonSchema accepts additionalProperties.
                    "responseJsonSchema": schema,
                ])
        #expect(
            body["tools"]
                == [
                    [
                        "functionDeclarations": [
                            [
                                "name": "get_weather", "description": "Weather",
                                "parameters": ["type": "object", "properties": ["a": ["type": "string"]]],
                            ],
                            // An object schema without properties is left out: Gemini refuses it.
                            ["name": "now"],
                        ]
                    ]
                ])
        #expect(
            body["toolConfig"]
                == ["functionCallingConfig": ["mode": "ANY", "allowedFunctionNames": ["get_weather"]]])
    }

    @Test(
        "maps tool choice to a function-calling mode",
        arguments: [
            (ToolChoice.auto, "AUTO"), (ToolChoice.none, "NONE"), (ToolChoice.required, "ANY"),
        ])
    func toolChoice(choice: ToolChoice, mode: String) throws {
        var request = ChatRequest(model: "m", messages: [ChatMessage(role: .user, text: "hi")])
        request.tools = [ToolDefinition(name: "f")]
        request.toolChoice = choice
        let body = try GeminiProvider.makeRequestBody(request)
        #expect(body["toolConfig"] == ["functionCallingConfig": ["mode": .string(mode)]])
    }

    @Test("JSON mode sets the JSON response type")
    func jsonMode() throws {
        var request = ChatRequest(model: "m", messages: [ChatMessage(role: .user, text: "hi")])
        request.responseFormat = .jsonObject
        let body = try GeminiProvider.makeRequestBody(request)
        #expect(body["generationConfig"] == ["responseMimeType": "application/json"])
    }

    // MARK: - Schemas

    @Test("strips keys Gemini's Schema does not know, recursively, but keeps property names")
    func stripsUnsupportedKeys() {
        let schema: JSON = [
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "strict": true,
            "additionalProperties": false,
            "properties": [
                // Property *names* that look like keywords are data, not keywords.
                "strict": ["type": "boolean", "$comment": "x"],
                "tags": [
                    "type": "array", "uniqueItems": true,
                    "items": [
                        "type": "object", "additionalProperties": false,
                        "properties": ["v": ["type": "integer", "exclusiveMinimum": 0]],
                    ],
                ],
            ],
            "required": ["strict"],
        ]
        #expect(
            GeminiWire.geminiSchema(schema)
                == [
                    "type": "object",
                    "properties": [
                        "strict": ["type": "boolean"],
                        "tags": [
                            "type": "array", "items": ["type": "object", "properties": ["v": ["type": "integer"]]],
                        ],
                    ],
                    "required": ["strict"],
                ])
    }

    @Test("translates $ref, nullable type lists, Optional anyOf, oneOf and const")
    func translatesSchemaFeatures() {
        let schema: JSON = [
            "type": "object",
            "$defs": ["Unit": ["type": "string", "enum": ["C", "F"]]],
            "properties": [
                "unit": ["$ref": "#/$defs/Unit", "description": "Temperature unit"],
                "city": ["type": ["string", "null"]],
                "days": ["anyOf": [["type": "integer"], ["type": "null"]], "default": .null],
                "either": ["oneOf": [["type": "string"], ["type": "number"]]],
                "kind": ["const": "forecast"],
                "level": ["type": "integer", "enum": [1, 2, .null]],
            ],
        ]
        #expect(
            GeminiWire.geminiSchema(schema)
                == [
                    "type": "object",
                    "properties": [
                        "unit": ["type": "string", "enum": ["C", "F"], "description": "Temperature unit"],
                        "city": ["type": "string", "nullable": true],
                        "days": ["type": "integer", "default": .null, "nullable": true],
                        "either": ["anyOf": [["type": "string"], ["type": "number"]]],
                        "kind": ["enum": ["forecast"]],
                        "level": ["type": "integer", "enum": ["1", "2"], "nullable": true],
                    ],
                ])
    }

    @Test("cuts off a recursive $ref instead of expanding it forever")
    func recursiveReference() {
        let schema: JSON = [
            "$ref": "#/definitions/Node",
            "definitions": ["Node": ["type": "object", "properties": ["next": ["$ref": "#/definitions/Node"]]]],
        ]
        var depth = 0
        var node = GeminiWire.geminiSchema(schema)
        while let next = node["properties"]?["next"] {
            depth += 1
            node = next
        }
        #expect(depth == 8)
        #expect(node == ["type": "object"])
    }

    // MARK: - Finish reasons and usage

    @Test(
        "maps finish reasons",
        arguments: [
            ("STOP", false, FinishReason.stop()), ("STOP", true, .toolCalls), ("MAX_TOKENS", false, .length),
            ("SAFETY", false, .contentFilter), ("RECITATION", false, .contentFilter),
            ("BLOCKLIST", false, .contentFilter), ("PROHIBITED_CONTENT", false, .contentFilter),
            ("SPII", false, .contentFilter), ("MALFORMED_FUNCTION_CALL", true, .other("MALFORMED_FUNCTION_CALL")),
            ("OTHER", false, .other("OTHER")),
        ])
    func finishReasons(raw: String, hasToolCalls: Bool, expected: FinishReason) {
        #expect(GeminiWire.finishReason(raw, hasToolCalls: hasToolCalls) == expected)
    }

    @Test("counts thinking tokens as completion and reasoning tokens")
    func usage() {
        let usage = GeminiWire.usage([
            "promptTokenCount": 10, "candidatesTokenCount": 5, "thoughtsTokenCount": 7, "cachedContentTokenCount": 4,
            "totalTokenCount": 22,
        ])
        #expect(usage == Usage(promptTokens: 10, completionTokens: 12, cachedPromptTokens: 4, reasoningTokens: 7))
        #expect(usage?.totalTokens == 22)
    }

    @Test("reads the message of a Google error body, bare or in an array")
    func errorMessage() {
        let error: JSON = ["error": ["code": 400, "message": "bad", "status": "INVALID_ARGUMENT"]]
        #expect(GeminiWire.errorMessage(error, "") == "bad")
        #expect(GeminiWire.errorMessage([error], "") == "bad")
        #expect(GeminiWire.errorMessage(nil, "<html>oops</html>") == "<html>oops</html>")
    }

    // MARK: - Response

    @Test("maps candidates, skipping thoughts and numbering function calls")
    func response() throws {
        let json: JSON = [
            "candidates": [
                [
                    "content": [
                        "role": "model",
                        "parts": [
                            ["text": "thinking...", "thought": true],
                            ["text": "Checking "], ["text": "both."],
                            ["functionCall": ["name": "get_weather", "args": ["location": "Paris"]]],
                            ["functionCall": ["name": "get_time"]],
                        ],
                    ],
                    "finishReason": "STOP", "index": 0,
                ],
                [
                    "content": ["role": "model", "parts": [["text": "Other"]]], "finishReason": "MAX_TOKENS",
                    "index": 1,
                ],
            ],
            "usageMetadata": ["promptTokenCount": 3, "candidatesTokenCount": 4, "totalTokenCount": 7],
            "modelVersion": "gemini-2.5-flash-001",
            "responseId": "resp-1",
        ]
        let response = try GeminiProvider.makeResponse(json, requestedModel: "gemini-2.5-flash", created: 1)
        #expect(response.id == "resp-1")
        #expect(response.model == "gemini-2.5-flash-001")
        #expect(response.usage == Usage(promptTokens: 3, completionTokens: 4))
        #expect(response.choices.count == 2)
        let first = response.choices[0].message
        #expect(first.text == "Checking both.")
        #expect(
            first.toolCalls == [
                ToolCall(id: "call_0", name: "get_weather", arguments: #"{"location":"Paris"}"#),
                ToolCall(id: "call_1", name: "get_time", arguments: "{}"),
            ])
        #expect(response.choices[0].finishReason == .toolCalls)
        #expect(response.choices[1].index == 1)
        #expect(response.choices[1].message.text == "Other")
        #expect(response.choices[1].finishReason == .length)
    }

    @Test("a blocked prompt becomes one empty choice finished by the content filter")
    func blockedPrompt() throws {
        let json: JSON = ["promptFeedback": ["blockReason": "SAFETY"], "usageMetadata": ["promptTokenCount": 3]]
        let response = try GeminiProvider.makeResponse(json, requestedModel: "m", created: 1)
        #expect(response.model == "m")
        #expect(response.choices.count == 1)
        #expect(response.choices[0].finishReason == .contentFilter)
        #expect(response.choices[0].message.text == "")
    }

    @Test("an answer without candidates or a block reason is malformed")
    func malformedResponse() {
        #expect(throws: ProviderError.self) {
            try GeminiProvider.makeResponse(["foo": 1], requestedModel: "m", created: 1)
        }
        #expect(throws: ProviderError.self) {
            try GeminiProvider.makeResponse([1, 2], requestedModel: "m", created: 1)
        }
    }

    @Test("a function call's thought signature travels in the call id and comes back on the part")
    func thoughtSignatureRoundTrip() throws {
        let signature = "CqAB+/x9Zg=="
        let json: JSON = [
            "candidates": [
                [
                    "content": [
                        "role": "model",
                        "parts": [
                            ["functionCall": ["name": "f", "args": [:]], "thoughtSignature": .string(signature)]
                        ],
                    ],
                    "finishReason": "STOP",
                ]
            ]
        ]
        let call = try #require(
            try GeminiProvider.makeResponse(json, requestedModel: "m", created: 1).choices.first?.message.toolCalls
                .first)
        #expect(call.id.hasPrefix("call_0"))
        #expect(call.id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })

        var assistant = ChatMessage(role: .assistant, content: [])
        assistant.toolCalls = [call]
        var tool = ChatMessage(role: .tool, text: "ok")
        tool.toolCallID = call.id
        let body = try GeminiProvider.makeRequestBody(
            ChatRequest(model: "m", messages: [ChatMessage(role: .user, text: "go"), assistant, tool]))
        let part = body["contents"]?.arrayValue?[1]["parts"]?.arrayValue?.first
        // Base64 of the same bytes: the padding is restored, the alphabet is the standard one.
        #expect(part?["thoughtSignature"] == .string(signature))
        #expect(
            body["contents"]?.arrayValue?[2]["parts"] == [
                ["functionResponse": ["name": "f", "response": ["content": "ok"]]]
            ])
    }

    // MARK: - Stream decoder

    private func event(_ json: JSON) -> SSEParser.Event { SSEParser.Event(data: json.text) }

    @Test("decodes stream events: role first, text deltas, whole tool calls, finish, then usage")
    func streamDecoder() throws {
        var decoder = GeminiProvider.StreamDecoder(requestedModel: "m", created: 5)
        let first = try decoder.decode(
            event([
                "candidates": [["content": ["role": "model", "parts": [["text": "Hel"]]], "index": 0]],
                "usageMetadata": ["promptTokenCount": 2], "responseId": "r1",
            ]))
        let second = try decoder.decode(
            event([
                "candidates": [
                    [
                        "content": [
                            "role": "model",
                            "parts": [["text": "lo"], ["functionCall": ["name": "f", "args": ["x": 1]]]],
                        ],
                        "finishReason": "STOP", "index": 0,
                    ]
                ],
                "usageMetadata": ["promptTokenCount": 2, "candidatesTokenCount": 3, "totalTokenCount": 5],
                "responseId": "r1",
            ]))
        let last = try decoder.finish()

        #expect(
            first == [
                ChatChunk(
                    id: "r1", model: "m", created: 5,
                    choices: [ChunkChoice(index: 0, delta: ChunkDelta(role: .assistant, content: "Hel"))])
            ])
        #expect(
            second == [
                ChatChunk(
                    id: "r1", model: "m", created: 5,
                    choices: [
                        ChunkChoice(
                            index: 0,
                            delta: ChunkDelta(
                                content: "lo",
                                toolCalls: [ToolCallDelta(index: 0, id: "call_0", name: "f", arguments: #"{"x":1}"#)]),
                            finishReason: .toolCalls)
                    ])
            ])
        #expect(
            last == [
                ChatChunk(
                    id: "r1", model: "m", created: 5, choices: [], usage: Usage(promptTokens: 2, completionTokens: 3))
            ])
    }

    @Test("a stream without a finishReason ended early")
    func streamEndedEarly() throws {
        var decoder = GeminiProvider.StreamDecoder(requestedModel: "m", created: 5)
        _ = try decoder.decode(event(["candidates": [["content": ["role": "model", "parts": [["text": "Hel"]]]]]]))
        #expect(throws: ProviderError.self) { try decoder.finish() }
        var empty = GeminiProvider.StreamDecoder(requestedModel: "m", created: 5)
        #expect(throws: ProviderError.self) { try empty.finish() }
    }

    @Test("a blocked prompt in a stream finishes with the content filter")
    func streamBlockedPrompt() throws {
        var decoder = GeminiProvider.StreamDecoder(requestedModel: "m", created: 5)
        let chunks = try decoder.decode(event(["promptFeedback": ["blockReason": "PROHIBITED_CONTENT"]]))
        #expect(chunks.first?.choices.first?.finishReason == .contentFilter)
        #expect(try decoder.finish().isEmpty)
    }

    @Test("an in-stream error event becomes an HTTP error with the vendor's message")
    func streamErrorEvent() {
        var decoder = GeminiProvider.StreamDecoder(requestedModel: "m", created: 5)
        #expect(throws: ProviderError.http(status: 503, message: "overloaded", retryAfter: nil)) {
            try decoder.decode(self.event(["error": ["code": 503, "message": "overloaded", "status": "UNAVAILABLE"]]))
        }
    }
}
