import Testing
@testable import FabricWire

/// A value of random shape: every kind of container, optionals at every level, custom coding
/// that reads keys out of order and writes nested containers after their siblings.
indirect enum BinaryCodingTree: Codable, Equatable {
    case leaf
    case integer(Int64)
    case small(Int8, UInt16)
    case text(String)
    case bytes([UInt8])
    case real(Double)
    case flag(Bool)
    case maybe(BinaryCodingTree?)
    case maybeMaybe(Int??)
    case list([BinaryCodingTree])
    case sparse([BinaryCodingTree?])
    case map([String: BinaryCodingTree])
    case numbered([Int: BinaryCodingTree])
    case record(BinaryCodingRecord)
    case reordered(BinaryCodingReorderedNode)

    static func random(depth: Int, using generator: inout BinaryCodingRandom) -> BinaryCodingTree {
        let choice = depth <= 0 ? Int.random(in: 0..<9, using: &generator) : Int.random(in: 0..<15, using: &generator)
        switch choice {
        case 0: return .leaf
        case 1: return .integer(Int64(bitPattern: generator.next()))
        case 2: return .small(Int8.random(in: .min ... .max, using: &generator), UInt16.random(in: 0...9, using: &generator))
        case 3: return .text(randomString(using: &generator))
        case 4: return .bytes((0..<Int.random(in: 0..<20, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        case 5: return .real(Double(Int32.random(in: .min ... .max, using: &generator)) / 7)
        case 6: return .flag(Bool.random(using: &generator))
        case 7: return .maybeMaybe([Int??.none, .some(nil), .some(.some(Int.random(in: -9...9, using: &generator)))].randomElement(using: &generator)!)
        case 8: return .maybe(nil)
        case 9: return .maybe(random(depth: depth - 1, using: &generator))
        case 10: return .list(children(depth: depth, using: &generator))
        case 11: return .sparse(children(depth: depth, using: &generator).map { Bool.random(using: &generator) ? nil : $0 })
        case 12:
            var map: [String: BinaryCodingTree] = [:]
            for child in children(depth: depth, using: &generator) { map[randomString(using: &generator)] = child }
            return .map(map)
        case 13:
            var map: [Int: BinaryCodingTree] = [:]
            for child in children(depth: depth, using: &generator) { map[Int.random(in: -1000...1000, using: &generator)] = child }
            return Bool.random(using: &generator) ? .numbered(map) : .record(BinaryCodingRecord.random(depth: depth - 1, using: &generator))
        default:
            return .reordered(BinaryCodingReorderedNode(first: children(depth: depth, using: &generator),
                                                  second: Bool.random(using: &generator) ? nil : random(depth: depth - 1, using: &generator),
                                                  third: randomString(using: &generator)))
        }
    }

    private static func children(depth: Int, using generator: inout BinaryCodingRandom) -> [BinaryCodingTree] {
        (0..<Int.random(in: 0..<4, using: &generator)).map { _ in random(depth: depth - 1, using: &generator) }
    }

    static func randomString(using generator: inout BinaryCodingRandom) -> String {
        let alphabet = Array("ab z0é✓🙂\u{0}\"")
        return String((0..<Int.random(in: 0..<6, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
    }
}

struct BinaryCodingRecord: Codable, Equatable {
    var name: String
    var value: BinaryCodingTree?
    var numbers: [Int32]
    var labels: [Int: [String?]]
    var flag: Bool?

    static func random(depth: Int, using generator: inout BinaryCodingRandom) -> BinaryCodingRecord {
        BinaryCodingRecord(
            name: BinaryCodingTree.randomString(using: &generator),
            value: Bool.random(using: &generator) ? nil : BinaryCodingTree.random(depth: depth, using: &generator),
            numbers: (0..<Int.random(in: 0..<3, using: &generator)).map { _ in Int32.random(in: -5...5, using: &generator) },
            labels: Bool.random(using: &generator) ? [:] : [Int.random(in: 0...3, using: &generator): [nil, "x"]],
            flag: [nil, true, false].randomElement(using: &generator)!)
    }
}

/// Writes its list after its other entries have started and reads its keys backwards.
struct BinaryCodingReorderedNode: Codable, Equatable {
    var first: [BinaryCodingTree]
    var second: BinaryCodingTree?
    var third: String

    private enum CodingKeys: String, CodingKey { case first, second, third }

    init(first: [BinaryCodingTree], second: BinaryCodingTree?, third: String) {
        self.first = first
        self.second = second
        self.third = third
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var list = container.nestedUnkeyedContainer(forKey: .first)
        try container.encode(third, forKey: .third)
        try container.encodeIfPresent(second, forKey: .second)
        for tree in first { try list.encode(tree) }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        third = try container.decode(String.self, forKey: .third)
        second = try container.decodeIfPresent(BinaryCodingTree.self, forKey: .second)
        var list = try container.nestedUnkeyedContainer(forKey: .first)
        var first: [BinaryCodingTree] = []
        while !list.isAtEnd { first.append(try list.decode(BinaryCodingTree.self)) }
        self.first = first
    }
}

@Suite struct BinaryCodingPropertyTests {
    @Test func randomTreesSurviveTheRoundTrip() throws {
        for seed in 0..<3000 as Range<UInt64> {
            var generator = BinaryCodingRandom(seed: seed)
            let tree = BinaryCodingTree.random(depth: 5, using: &generator)
            let bytes = try BinaryEncoder().encode(tree)
            let decoded = try BinaryDecoder().decode(BinaryCodingTree.self, from: bytes)
            #expect(decoded == tree, "seed \(seed)")
            if decoded != tree { return }
        }
    }

    @Test func randomTreesInOptionalsAndArrays() throws {
        for seed in 10_000..<10_500 as Range<UInt64> {
            var generator = BinaryCodingRandom(seed: seed)
            let trees = (0..<3).map { _ in Bool.random(using: &generator) ? nil : BinaryCodingTree.random(depth: 4, using: &generator) }
            #expect(try binaryRoundTrip(trees) == trees, "seed \(seed)")
            #expect(try binaryRoundTrip(trees.first!) == trees.first!, "seed \(seed)")
        }
    }

    @Test func encodingIsDeterministic() throws {
        var generator = BinaryCodingRandom(seed: 42)
        let tree = BinaryCodingTree.list((0..<20).map { _ in .record(BinaryCodingRecord.random(depth: 3, using: &generator)) })
        #expect(try BinaryEncoder().encode(tree) == BinaryEncoder().encode(tree))
    }
}
