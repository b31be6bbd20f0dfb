import FabricCore
import Testing
@testable import FabricWire

/// Encodes `value` and decodes it back as the same type.
func binaryRoundTrip<T: Codable>(_ value: T, userInfo: [CodingUserInfoKey: any Sendable] = [:]) throws -> T {
    let bytes = try BinaryEncoder(userInfo: userInfo).encode(value)
    return try BinaryDecoder(userInfo: userInfo).decode(T.self, from: bytes)
}

/// Expects `value` to survive encoding and decoding unchanged.
func expectBinaryRoundTrip<T: Codable & Equatable>(
    _ value: T, sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        let decoded = try binaryRoundTrip(value)
        #expect(decoded == value, sourceLocation: sourceLocation)
    } catch {
        Issue.record("round trip of \(T.self) failed: \(error)", sourceLocation: sourceLocation)
    }
}

/// Expects decoding `bytes` as `T` to fail with a `WireError` (and, if given, that code).
func expectBinaryDecodingFails<T: Decodable>(
    _ type: T.Type, _ bytes: [UInt8], code: WireError.Code? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        let value = try BinaryDecoder().decode(type, from: bytes)
        Issue.record("decoding \(T.self) succeeded with \(value)", sourceLocation: sourceLocation)
    } catch {
        if let code { #expect(error.code == code, "\(error)", sourceLocation: sourceLocation) }
    }
}

/// The seeded generator every random test uses (FabricCore.SeededRandom), so runs replay from their seed.
typealias BinaryCodingRandom = SeededRandom
