import FabricCore

/// How the binary coders word their errors.
extension WireError {
    /// This error with `detail` added to its message.
    func withDetail(_ detail: String) -> WireError {
        WireError(code, "\(message) \(detail)")
    }

    /// This error with where it happened added to its message.
    func withCodingPath(_ keys: [any CodingKey]) -> WireError {
        WireError(code, WireWriter.boundedMessage("\(message) (at \(BinaryCodingPath.render(keys)))"))
    }

    /// A `WireError` for an error a user's `encode(to:)` or `init(from:)` threw: the coders
    /// fail only with `WireError`. The message names the type and keeps the original
    /// `EncodingError` / `DecodingError` description (which carries its coding path).
    static func codingFailure(_ error: any Error, coding valueType: Any.Type, isDecoding: Bool) -> WireError {
        if let wire = error as? WireError { return wire }
        let verb = isDecoding ? "decoding" : "encoding"
        let code: Code
        if let decoding = error as? DecodingError {
            switch decoding {
            case .dataCorrupted: code = .malformed
            default: code = .typeMismatch
            }
        } else if error is EncodingError {
            code = .typeMismatch
        } else {
            code = .malformed
        }
        return WireError(code, WireWriter.boundedMessage("\(verb) \(valueType) failed: \(type(of: error)): \(error)"))
    }

}
