import Testing
@testable import FabricWire

private let contextKey = CodingUserInfoKey(rawValue: "fabric.test.context")!

/// Reads `userInfo` on both sides, the way the actor system resolves actor references.
private struct NeedsContext: Codable, Equatable {
    var seen: String

    init(seen: String) { self.seen = seen }

    func encode(to encoder: any Encoder) throws {
        guard let context = encoder.userInfo[contextKey] as? String else {
            throw EncodingError.invalidValue(self, .init(codingPath: encoder.codingPath, debugDescription: "no context"))
        }
        var container = encoder.singleValueContainer()
        try container.encode(context + seen)
    }

    init(from decoder: any Decoder) throws {
        guard let context = decoder.userInfo[contextKey] as? String else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "no context"))
        }
        seen = String(try decoder.singleValueContainer().decode(String.self).dropFirst(context.count))
    }
}

/// Records the coding paths it sees.
private struct PathProbe: Codable {
    nonisolated(unsafe) static var encodingPaths: [String] = []
    nonisolated(unsafe) static var decodingPaths: [String] = []

    func encode(to encoder: any Encoder) throws {
        Self.encodingPaths.append(BinaryCodingPath.render(encoder.codingPath))
        var container = encoder.singleValueContainer()
        try container.encode(1 as UInt8)
    }

    init() {}

    init(from decoder: any Decoder) throws {
        Self.decodingPaths.append(BinaryCodingPath.render(decoder.codingPath))
        _ = try decoder.singleValueContainer().decode(UInt8.self)
    }
}

private struct Holder: Codable {
    var items: [String: [PathProbe]]
    var nested: Nested

    struct Nested: Codable { var probe: PathProbe? }
}

/// Encodes nothing at all.
private struct Nothing: Codable, Equatable {
    init() {}
    init(from decoder: any Decoder) throws {}
    func encode(to encoder: any Encoder) throws {}
}

/// Asks one encoder for two kinds of container.
private struct Confused: Encodable {
    func encode(to encoder: any Encoder) throws {
        var keyed = encoder.container(keyedBy: AnyKey.self)
        try keyed.encode(1, forKey: AnyKey(stringValue: "a")!)
        var unkeyed = encoder.unkeyedContainer()
        try unkeyed.encode(2)
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

/// Keeps its container after `encode(to:)` returns and writes to it later.
private final class Escaper: Encodable {
    nonisolated(unsafe) static var escaped: UnkeyedEncodingContainer?
    func encode(to encoder: any Encoder) throws { Self.escaped = encoder.unkeyedContainer() }
}

private struct EscapeThenWrite: Encodable {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(Escaper())
        try Escaper.escaped?.encode(5)
    }
}

private struct ThrowsOnDecode: Codable {
    enum Mode: Int, Codable { case corrupted, mismatch, custom }
    struct Custom: Error {}
    var mode: Mode

    init(mode: Mode) { self.mode = mode }

    init(from decoder: any Decoder) throws {
        let mode = try decoder.singleValueContainer().decode(Mode.self)
        switch mode {
        case .corrupted: throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad thing"))
        case .mismatch: throw DecodingError.typeMismatch(Int.self, .init(codingPath: decoder.codingPath, debugDescription: "not int"))
        case .custom: throw Custom()
        }
    }
}

@Suite struct BinaryCodingEdgeCaseTests {
    @Test func userInfoReachesUserCode() throws {
        let userInfo: [CodingUserInfoKey: any Sendable] = [contextKey: "ctx:"]
        let value = [NeedsContext(seen: "a"), NeedsContext(seen: "b")]
        let bytes = try BinaryEncoder(userInfo: userInfo).encode(value)
        #expect(try BinaryDecoder().decode([String].self, from: bytes) == ["ctx:a", "ctx:b"])
        #expect(try BinaryDecoder(userInfo: userInfo).decode([NeedsContext].self, from: bytes) == value)
        #expect(throws: WireError.self) { try BinaryEncoder().encode(value) }
        #expect(throws: WireError.self) { try BinaryDecoder().decode([NeedsContext].self, from: bytes) }
    }

    @Test func codingPathsAreReported() throws {
        PathProbe.encodingPaths = []
        PathProbe.decodingPaths = []
        let holder = Holder(items: ["k": [PathProbe(), PathProbe()]], nested: .init(probe: PathProbe()))
        _ = try BinaryDecoder().decode(Holder.self, from: BinaryEncoder().encode(holder))
        let expected = ["items.k[0]", "items.k[1]", "nested.probe"]
        #expect(PathProbe.encodingPaths == expected)
        #expect(PathProbe.decodingPaths == expected)
    }

    @Test func errorsNameTheTypeAndPlace() throws {
        let bytes = try BinaryEncoder().encode(["outer": ["inner": "text"]])
        do {
            _ = try BinaryDecoder().decode([String: [String: Int]].self, from: bytes)
            Issue.record("decoded a String as an Int")
        } catch {
            #expect(error.code == .truncated || error.code == .typeMismatch)
            #expect(error.message.contains("outer"), "\(error)")
            #expect(!error.message.contains("text"), "\(error)")
        }
    }

    @Test func userErrorsBecomeWireErrors() throws {
        func failure(_ mode: ThrowsOnDecode.Mode) throws -> WireError? {
            let bytes = try BinaryEncoder().encode(["value": mode])
            do {
                _ = try BinaryDecoder().decode([String: ThrowsOnDecode].self, from: bytes)
                return nil
            } catch {
                return error
            }
        }
        let corrupted = try #require(try failure(.corrupted))
        #expect(corrupted.code == .malformed)
        #expect(corrupted.message.contains("ThrowsOnDecode"))
        #expect(corrupted.message.contains("bad thing"))
        #expect(corrupted.message.contains("value"))
        let mismatch = try #require(try failure(.mismatch))
        #expect(mismatch.code == .typeMismatch)
        #expect(mismatch.message.contains("not int"))
        let custom = try #require(try failure(.custom))
        #expect(custom.code == .malformed)
        #expect(custom.message.contains("Custom"))
    }

    @Test func whatTheFormatCannotSayIsUnsupported() {
        func expectUnsupported<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) {
            var buffer: [UInt8] = [7]
            do {
                try BinaryEncoder().encode(value, into: &buffer)
                Issue.record("encoded \(T.self)", sourceLocation: sourceLocation)
            } catch {
                #expect(error.code == .unsupported, "\(error)", sourceLocation: sourceLocation)
            }
            #expect(buffer == [7], "a failed encoding must leave the buffer as it was", sourceLocation: sourceLocation)
        }
        // A present optional whose value encodes to nothing reads back as nil.
        expectUnsupported(Nothing() as Nothing?)
        // So would elements that take no bytes: their count could not be checked.
        expectUnsupported([Nothing(), Nothing()])
        // A nil inside a present optional's payload cannot be told apart from a value.
        struct ExplicitNil: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                try container.encodeNil()
            }
        }
        expectUnsupported(ExplicitNil() as ExplicitNil?)
        expectUnsupported(["k": ExplicitNil() as ExplicitNil?])
        expectUnsupported(Confused())
        expectUnsupported(EscapeThenWrite())
    }

    @Test func valuesThatEncodeToNothingStillWorkWhereTheFormatAllows() throws {
        #expect(try BinaryEncoder().encode(Nothing()).isEmpty)
        expectBinaryRoundTrip(Nothing())
        expectBinaryRoundTrip(["a": Nothing()])
        expectBinaryRoundTrip(Nothing?.none)
    }

    @Test func optionalDetectionMatchesTheConformance() {
        func check<T: Encodable>(_ type: T.Type, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(BinaryOptionalDetection.isOptional(type) == (type is any BinaryEncodableOptional.Type), "\(type)",
                    sourceLocation: sourceLocation)
        }
        check(Int?.self)
        check(Int??.self)
        check(String?.self)
        check([Int?].self)
        check(Int.self)
        check(String.self)
        check(Nothing.self)
        check(Escaper.self)
        check(Escaper?.self)
        check(ThrowsOnDecode.Mode.self)
        check(ThrowsOnDecode.Mode?.self)
        check([String: Int?].self)
        // Types no coder sees, read through the same metadata.
        #expect(BinaryOptionalDetection.isOptional((any Error)?.self))
        #expect(!BinaryOptionalDetection.isOptional(Any.self))
        #expect(!BinaryOptionalDetection.isOptional(AnyObject.self))
        #expect(!BinaryOptionalDetection.isOptional(Int.Type.self))
        #expect(!BinaryOptionalDetection.isOptional((Int, Int).self))
        #expect(!BinaryOptionalDetection.isOptional(Result<Int, Never>.self))
        #expect(!BinaryOptionalDetection.isOptional(((Int) -> Int).self))
    }

    @Test func containerCountsAndEnds() throws {
        struct Counting: Codable, Equatable {
            var values: [Int?]
            init(values: [Int?]) { self.values = values }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.unkeyedContainer()
                for (index, value) in values.enumerated() {
                    #expect(container.count == index)
                    try container.encode(value)
                }
            }
            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                let count = try #require(container.count)
                var values: [Int?] = []
                while !container.isAtEnd {
                    #expect(container.currentIndex == values.count)
                    values.append(try container.decode(Int?.self))
                }
                #expect(values.count == count)
                #expect(throws: WireError.self) { try container.decode(Int.self) }
                #expect(throws: WireError.self) { try container.decodeNil() }
                self.values = values
            }
        }
        expectBinaryRoundTrip(Counting(values: [1, nil, 3]))
        expectBinaryRoundTrip(Counting(values: []))
    }

    @Test func partiallyReadContainersDoNotDerailTheRest() throws {
        struct Skims: Codable, Equatable {
            var first: [[Int]]
            var last: String
            init(first: [[Int]], last: String) {
                self.first = first
                self.last = last
            }
            init(from decoder: any Decoder) throws {
                var outer = try decoder.unkeyedContainer()
                var inner = try outer.nestedUnkeyedContainer()
                first = [[try inner.decode(Int.self)]]  // the rest of `inner` is skipped
                last = try outer.decode(String.self)
            }
            func encode(to encoder: any Encoder) throws {
                var outer = encoder.unkeyedContainer()
                try outer.encode(first[0])
                try outer.encode(last)
            }
        }
        let decoded = try binaryRoundTrip(Skims(first: [[1, 2, 3]], last: "end"))
        #expect(decoded == Skims(first: [[1]], last: "end"))
    }

    @Test func nilsAddedToAContainerAfterItsSiblings() throws {
        struct Late: Codable, Equatable {
            var values: [Int?]
            var name: String
            private enum CodingKeys: String, CodingKey { case values, name }
            init(values: [Int?], name: String) {
                self.values = values
                self.name = name
            }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                var list = container.nestedUnkeyedContainer(forKey: .values)
                try list.encode(values[0])
                try container.encode(name, forKey: .name)
                for value in values.dropFirst() {
                    if let value { try list.encode(value) } else { try list.encodeNil() }
                }
            }
        }
        expectBinaryRoundTrip(Late(values: [1, nil, 2, nil], name: "n"))
        expectBinaryRoundTrip(Late(values: [nil, nil], name: ""))
        expectBinaryRoundTrip([Late(values: [3, 4, nil], name: "a"), Late(values: [nil], name: "b")])
    }

    @Test func unkeyedDecodeIfPresentMatchesEncodingAnOptional() throws {
        struct Items: Codable, Equatable {
            var items: [Int??]
            init(items: [Int??]) { self.items = items }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.unkeyedContainer()
                for item in items { try container.encode(item) }
            }
            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                var items: [Int??] = []
                while !container.isAtEnd { items.append(try container.decodeIfPresent(Int?.self)) }
                self.items = items
            }
        }
        expectBinaryRoundTrip(Items(items: [.some(nil), nil, .some(.some(4)), .some(nil)]))
        expectBinaryRoundTrip(Items(items: [.some(.some(1))]))
    }

    @Test func concurrentCallsShareNothing() async throws {
        // The coders keep a spare storage between calls; many tasks at once must not mix theirs.
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var generator = BinaryCodingRandom(seed: UInt64(task))
                    for _ in 0..<200 {
                        let tree = BinaryCodingTree.random(depth: 4, using: &generator)
                        guard try binaryRoundTrip(tree) == tree else { return false }
                    }
                    return true
                }
            }
            for try await survived in group { #expect(survived) }
        }
    }

    @Test func hugeStoragesAreNotKept() {
        var storage = BinaryEncodingStorage()
        storage.nodes.reserveCapacity(BinaryStorageCache<BinaryEncodingStorage>.capacityKept + 1)
        let keptLarge = storage.clear(keepingCapacityUpTo: BinaryStorageCache<BinaryEncodingStorage>.capacityKept)
        #expect(!keptLarge)
        var small = BinaryEncodingStorage()
        small.nodes.append(BinaryEncodingNode(start: 0, parent: -1, role: .keyed, isEntryValue: false))
        let keptSmall = small.clear(keepingCapacityUpTo: BinaryStorageCache<BinaryEncodingStorage>.capacityKept)
        #expect(keptSmall)
        #expect(small.nodes.isEmpty)
    }

    @Test func containersKeptPastTheCallAreStale() throws {
        final class Stash: @unchecked Sendable {
            var keyed: KeyedDecodingContainer<AnyKey>?
            var unkeyed: (any UnkeyedDecodingContainer)?
        }
        struct Keeper: Decodable {
            nonisolated(unsafe) static var stash = Stash()
            init(from decoder: any Decoder) throws {
                Self.stash.keyed = try decoder.container(keyedBy: AnyKey.self)
                Self.stash.unkeyed = try Self.stash.keyed?.nestedUnkeyedContainer(forKey: AnyKey(stringValue: "list")!)
            }
        }
        let bytes = try BinaryEncoder().encode(["list": [1, 2]])
        _ = try BinaryDecoder().decode(Keeper.self, from: bytes)
        // The input is gone; reading through the kept containers must fail, not read freed memory.
        #expect(throws: WireError.self) { try Keeper.stash.keyed?.decode([Int].self, forKey: AnyKey(stringValue: "list")!) }
        #expect(Keeper.stash.keyed?.contains(AnyKey(stringValue: "list")!) == false)
        #expect(throws: WireError.self) { try Keeper.stash.unkeyed?.decode(Int.self) }
    }
}
