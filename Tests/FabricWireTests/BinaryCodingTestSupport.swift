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

/// A small, fast, seeded random number generator (the SplitMix64 algorithm), so that every random test
/// replays exactly from its seed.
struct BinaryCodingRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
