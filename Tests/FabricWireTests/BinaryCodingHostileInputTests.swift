import FabricCore
import Testing
@testable import FabricWire

/// Arbitrarily deep nesting of unkeyed containers, as a hostile peer could send.
private struct Nest: Codable, Equatable {
    var children: [Nest]

    init(children: [Nest]) { self.children = children }

    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        var children: [Nest] = []
        while !container.isAtEnd { children.append(try container.decode(Nest.self)) }
        self.children = children
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        for child in children { try container.encode(child) }
    }

    /// The encoding of `depth` containers each holding the next, built by hand.
    static func bytes(depth: Int) -> [UInt8] {
        // Built back to front: each level puts its header in front of the one inside it.
        var reversed: [UInt8] = [0x00, 0x01]
        for _ in 0..<depth {
            var length: [UInt8] = []
            BinaryWireFormat.appendVarint(UInt64(reversed.count), to: &length)
            reversed.append(contentsOf: length.reversed())
            reversed.append(0x05)
        }
        return reversed.reversed()
    }
}

/// Nesting through single value containers (no container header at all between levels).
private indirect enum Chain: Codable, Equatable {
    case end
    case link(Chain)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self = container.decodeNil() ? .end : .link(try container.decode(Chain.self))
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .end: try container.encodeNil()
        case .link(let next): try container.encode(next)
        }
    }
}

private struct Mixed: Codable, Equatable {
    var name: String
    var numbers: [Int64]
    var flags: [Bool?]
    var table: [String: [UInt8]]
    var tree: BinaryCodingTree
}

@Suite struct BinaryCodingHostileInputTests {
    private static func decodeAll(_ bytes: [UInt8]) {
        // Every outcome is fine except a crash; errors are WireError by the API's type.
        _ = try? BinaryDecoder().decode(BinaryCodingTree.self, from: bytes)
        _ = try? BinaryDecoder().decode(Mixed.self, from: bytes)
        _ = try? BinaryDecoder().decode([String: [Int?]].self, from: bytes)
        _ = try? BinaryDecoder().decode([BinaryCodingTree?].self, from: bytes)
        _ = try? BinaryDecoder().decode([UInt8].self, from: bytes)
        _ = try? BinaryDecoder().decode([String].self, from: bytes)
        _ = try? BinaryDecoder().decode(String.self, from: bytes)
        _ = try? BinaryDecoder().decode(Int.self, from: bytes)
        _ = try? BinaryDecoder().decode(Int??.self, from: bytes)
        _ = try? BinaryDecoder().decode(Nest.self, from: bytes)
        _ = try? BinaryDecoder().decode(Set<Int>.self, from: bytes)
        _ = try? BinaryDecoder().decode([Double: String].self, from: bytes)
    }

    /// Random inputs of up to 4 KiB (a quarter of them past 64 bytes). The seed is the test
    /// case's argument, so a crash names it.
    @Test(arguments: [7, 8] as [UInt64])
    func randomBytesNeverCrash(seed: UInt64) {
        var generator = BinaryCodingRandom(seed: seed)
        for _ in 0..<2000 {
            Self.decodeAll(FuzzMutations.randomBytes(&generator))
        }
    }

    /// Random bytes rarely get past the first header; structured mutations of real encodings
    /// (flips, inserted and cut runs, repeated slices, extreme values, truncations, splices of
    /// two encodings) do, on trees up to depth 6 (encodings up to several KiB).
    @Test(arguments: [11, 12] as [UInt64])
    func mutatedEncodingsNeverCrash(seed: UInt64) throws {
        var generator = BinaryCodingRandom(seed: seed)
        var previous: [UInt8] = []
        for round in 0..<750 as Range<UInt64> {
            var treeGenerator = BinaryCodingRandom(seed: seed &* 10_000 &+ round)
            let depth = Int.random(in: 3...6, using: &generator)
            let bytes = try BinaryEncoder().encode(BinaryCodingTree.random(depth: depth, using: &treeGenerator))
            guard !bytes.isEmpty else { continue }
            Self.decodeAll(FuzzMutations.mutate(bytes, splicing: previous, &generator))
            previous = bytes
        }
    }

    @Test func everyTruncationFails() throws {
        var generator = BinaryCodingRandom(seed: 3)
        let value = Mixed(name: "naïve", numbers: [1, -1], flags: [true, nil, false], table: ["k": [1, 2], "": []],
                          tree: BinaryCodingTree.random(depth: 5, using: &generator))
        let bytes = try BinaryEncoder().encode(value)
        #expect(try BinaryDecoder().decode(Mixed.self, from: bytes) == value)
        for length in 0..<bytes.count {
            expectBinaryDecodingFails(Mixed.self, Array(bytes[..<length]))
        }
        for seed in 100..<160 as Range<UInt64> {
            var treeGenerator = BinaryCodingRandom(seed: seed)
            let tree = BinaryCodingTree.random(depth: 4, using: &treeGenerator)
            let treeBytes = try BinaryEncoder().encode(tree)
            for length in 0..<treeBytes.count {
                expectBinaryDecodingFails(BinaryCodingTree.self, Array(treeBytes[..<length]))
            }
        }
    }

    @Test func trailingBytesAreRejected() throws {
        let bytes = try BinaryEncoder().encode(Mixed(name: "", numbers: [], flags: [], table: [:], tree: .leaf))
        expectBinaryDecodingFails(Mixed.self, bytes + [0], code: .trailingBytes)
        expectBinaryDecodingFails(Int32.self, [1, 2, 3, 4, 5], code: .trailingBytes)
        expectBinaryDecodingFails([UInt8].self, [0x05, 0x01, 0x07, 0x00], code: .trailingBytes)
        expectBinaryDecodingFails([UInt8].self, [0x05, 0x02, 0x07, 0x00], code: .typeMismatch)
        expectBinaryDecodingFails([UInt8].self, [0x06, 0x00, 0x01, 0x00], code: .typeMismatch)
        expectBinaryDecodingFails(Int?.self, [1, 2, 3, 4, 5, 6, 7, 8, 9], code: .trailingBytes)
    }

    private static func varint(_ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        BinaryWireFormat.appendVarint(value, to: &bytes)
        return bytes
    }

    @Test func hugeCountsFailFast() {
        let huge: UInt64 = 1 << 60
        let dense = Self.varint(huge << 2 | 1)
        // [UInt8] and [String] claiming 2^60 elements and bytes, in a few bytes.
        expectBinaryDecodingFails([UInt8].self, dense + Self.varint(huge) + [1, 2], code: .truncated)
        expectBinaryDecodingFails([String].self, dense + Self.varint(huge) + [1, 2], code: .truncated)
        expectBinaryDecodingFails([Int64].self, dense + Self.varint(huge), code: .truncated)
        // A string claiming 2^60 bytes, alone and inside an array.
        expectBinaryDecodingFails(String.self, Self.varint(huge) + [0x61], code: .truncated)
        expectBinaryDecodingFails([String].self, [0x05, 0x0A] + Self.varint(huge) + [0x61], code: .truncated)
        // Unkeyed and keyed containers claiming 2^60 elements in a 2-byte body.
        expectBinaryDecodingFails([Int?].self, dense + [0x02, 0x00, 0x00], code: .malformed)
        expectBinaryDecodingFails(Nest.self, dense + [0x02, 0x01, 0x00], code: .malformed)
        expectBinaryDecodingFails([String: Int].self, Self.varint(huge << 2) + [0x02, 0x00, 0x00], code: .malformed)
        expectBinaryDecodingFails(BinaryCodingTree.self, Self.varint(huge << 2) + [0x02, 0x00, 0x00], code: .malformed)
        // An entry whose value claims 2^60 bytes; a key that claims 2^59.
        expectBinaryDecodingFails([String: Int].self, [0x04, 0x0B, 0x02, 0x61] + Self.varint(huge), code: .truncated)
        expectBinaryDecodingFails([String: Int].self, [0x04, 0x09] + Self.varint(huge) + [0x00], code: .truncated)
        // A container with nils claiming more leading elements than it holds.
        expectBinaryDecodingFails([Int?].self, [0x0A] + Self.varint(huge) + [0x00], code: .malformed)
        // A varint longer than 64 bits, and one in a longer form than needed.
        expectBinaryDecodingFails(String.self, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], code: .malformed)
        expectBinaryDecodingFails(String.self, [0x80, 0x00], code: .malformed)
    }

    @Test func deepNestingIsCapped() throws {
        let shallow = Nest.bytes(depth: Limits.codingDepthMax - 2)
        #expect(try BinaryDecoder().decode(Nest.self, from: shallow).children.count == 1)
        expectBinaryDecodingFails(Nest.self, Nest.bytes(depth: Limits.codingDepthMax + 1), code: .limitExceeded)
        expectBinaryDecodingFails(Nest.self, Nest.bytes(depth: 100_000), code: .limitExceeded)

        // Nesting through single values: each level is one presence byte.
        var chain = [UInt8](repeating: 1, count: 100_000)
        chain.append(0)
        expectBinaryDecodingFails(Chain.self, chain, code: .limitExceeded)

        // The encoder refuses what the decoder would.
        var deep = Nest(children: [])
        for _ in 0..<(Limits.codingDepthMax + 1) { deep = Nest(children: [deep]) }
        #expect(throws: WireError.self) { try BinaryEncoder().encode(deep) }
        #expect((try? BinaryEncoder().encode(deep))?.isEmpty ?? true)
        var chainValue = Chain.end
        for _ in 0..<(Limits.codingDepthMax + 1) { chainValue = .link(chainValue) }
        do {
            _ = try BinaryEncoder().encode(chainValue)
            Issue.record("a chain deeper than the limit was encoded")
        } catch {
            #expect(error.code == .limitExceeded)
        }
    }

    @Test func invalidScalarsAreMalformed() {
        expectBinaryDecodingFails(Bool.self, [2], code: .malformed)
        expectBinaryDecodingFails([Bool].self, [0x09, 0x02, 0x01, 0x05], code: .malformed)
        expectBinaryDecodingFails(String.self, [0x02, 0xC3, 0x28], code: .malformed)
        expectBinaryDecodingFails(String.self, [0x01, 0xFF], code: .malformed)
        expectBinaryDecodingFails([String].self, [0x05, 0x02, 0x01, 0x80], code: .malformed)
        // Presence byte 2 in a container with nils.
        expectBinaryDecodingFails([Int8?].self, [0x0A, 0x00, 0x03, 0x00, 0x02, 0x05], code: .malformed)
        // A keyed container whose key is not UTF-8, read through `allKeys`.
        expectBinaryDecodingFails([String: Int8].self, [0x04, 0x04, 0x02, 0xFF, 0x02, 0x01], code: .malformed)
        // Unknown container kind.
        expectBinaryDecodingFails([Int].self, [0x03, 0x00], code: .malformed)
    }

    @Test func wrongShapesAreTypeMismatches() throws {
        let point = try BinaryEncoder().encode(["x": 1])
        expectBinaryDecodingFails([Int].self, point, code: .typeMismatch)
        expectBinaryDecodingFails(Nest.self, point, code: .typeMismatch)
        expectBinaryDecodingFails([Int8].self, try BinaryEncoder().encode([1, 2] as [Int16]), code: .typeMismatch)
        expectBinaryDecodingFails([Int].self, try BinaryEncoder().encode([1, nil] as [Int?]), code: .typeMismatch)
        // A key that is not there, and nil where a value is needed.
        struct Needs: Decodable { var needed: Int }
        expectBinaryDecodingFails(Needs.self, try BinaryEncoder().encode(["other": 1]), code: .typeMismatch)
        struct Present: Encodable { var needed: Int? = nil; func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeNil(forKey: .needed)
        }; enum CodingKeys: CodingKey { case needed } }
        expectBinaryDecodingFails(Needs.self, try BinaryEncoder().encode(Present()), code: .typeMismatch)
        // An entry whose value is wider than the type asked for.
        expectBinaryDecodingFails(Needs.self, try BinaryEncoder().encode(["needed": Int128(1)]), code: .typeMismatch)
        expectBinaryDecodingFails(Int.self, [], code: .truncated)
    }
}
