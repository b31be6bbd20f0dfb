import Testing
@testable import FabricWire

// MARK: Shapes

private struct Scalars: Codable, Equatable {
    var bool = true
    var int = -7
    var int8: Int8 = -8
    var int16: Int16 = -16_000
    var int32: Int32 = -2_000_000_000
    var int64: Int64 = .min
    var int128: Int128 = -(Int128(1) << 100)
    var uint: UInt = .max
    var uint8: UInt8 = 255
    var uint16: UInt16 = 65_535
    var uint32: UInt32 = 4_000_000_000
    var uint64: UInt64 = .max
    var uint128: UInt128 = UInt128.max - 5
    var float: Float = -1.5
    var double = 3.25e300
    var string = "héllo, wörld ✓"
}

private struct Arrays: Codable, Equatable {
    var bytes: [UInt8] = [0, 1, 2, 255]
    var ints: [Int] = [1, -2, .max, .min]
    var int8s: [Int8] = [-1, 2]
    var int16s: [Int16] = [-300, 300]
    var int32s: [Int32] = [.min, .max]
    var int64s: [Int64] = [.min, 0, .max]
    var uints: [UInt] = [.max, 0]
    var uint16s: [UInt16] = [7]
    var uint32s: [UInt32] = [8, 9]
    var uint64s: [UInt64] = [.max]
    var floats: [Float] = [1, -0.5, .infinity]
    var doubles: [Double] = [.pi, -.infinity, 0]
    var bools: [Bool] = [true, false, true]
    var strings: [String] = ["", "a", "ünïcödé", String(repeating: "x", count: 300)]
}

private struct Optionals: Codable, Equatable {
    var absent: Int?
    var present: Int? = 4
    var nestedNone: Int?? = .some(nil)
    var nestedSome: Int?? = .some(5)
    var nestedAbsent: Int??
    var tripleNone: String??? = .some(.some(nil))
    var structure: Inner? = Inner(name: "in")
    var list: [Int?] = [1, nil, 3, nil, nil]
    var listOfNested: [Int??] = [.some(nil), nil, .some(2)]
    var dictionary: [String: [Int?]] = ["a": [nil, 1], "": [], "c": [nil]]
}

private struct Inner: Codable, Equatable, Hashable {
    var name: String
    var tags: [String] = []
    var child: Box? = nil
}

private final class Box: Codable, Equatable, Hashable {
    let value: Int
    init(_ value: Int) { self.value = value }
    static func == (left: Box, right: Box) -> Bool { left.value == right.value }
    func hash(into hasher: inout Hasher) { hasher.combine(value) }
}

private indirect enum Shape: Codable, Equatable {
    case empty
    case circle(radius: Double)
    case polygon([Int], name: String?)
    case nested(Shape?, [Shape])
}

private struct Collections: Codable, Equatable {
    var emptyArray: [Inner] = []
    var emptyStrings: [String] = []
    var emptyDictionary: [String: Int] = [:]
    var byString: [String: Inner] = ["one": Inner(name: "1"), "two": Inner(name: "2", tags: ["x"])]
    var byInt: [Int: String] = [1: "one", -5: "minus five", .max: "max", .min: "min"]
    var byNumericString: [String: Int] = ["0123": 1, "123": 2, "-0": 3, "+4": 4, "5": 5]
    var byStruct: [Inner: Int] = [Inner(name: "k"): 1, Inner(name: "j", tags: ["t"]): 2]
    var byDouble: [Double: String] = [1.5: "a", -2: "b"]
    var set: Set<String> = ["a", "b", "c"]
    var setOfStructs: Set<Inner> = [Inner(name: "s")]
    var nestedArrays: [[Int]] = [[], [1], [2, 3]]
    var nestedGeneric: [String: [[Int: [String?]]]] = ["k": [[1: ["a", nil]], [:]]]
    var shapes: [Shape] = [.empty, .circle(radius: 2), .polygon([1, 2], name: nil), .nested(.empty, [.circle(radius: 1)])]
}

private struct Generic<Value: Codable & Equatable>: Codable, Equatable {
    var value: Value
    var values: [Value]
    var optional: Value?
}

// MARK: Classes with super coding

private class Animal: Codable, Equatable {
    var name: String
    var legs: Int

    init(name: String, legs: Int) {
        self.name = name
        self.legs = legs
    }

    static func == (left: Animal, right: Animal) -> Bool { left.isEqual(to: right) }
    func isEqual(to other: Animal) -> Bool { name == other.name && legs == other.legs && type(of: self) == type(of: other) }
}

private final class Dog: Animal {
    var breed: String
    var tricks: [String]

    private enum CodingKeys: String, CodingKey { case breed, tricks }

    init(name: String, breed: String, tricks: [String]) {
        self.breed = breed
        self.tricks = tricks
        super.init(name: name, legs: 4)
    }

    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        breed = try container.decode(String.self, forKey: .breed)
        tricks = try container.decode([String].self, forKey: .tricks)
        try super.init(from: container.superDecoder())
    }

    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(breed, forKey: .breed)
        try container.encode(tricks, forKey: .tricks)
        try super.encode(to: container.superEncoder())
    }

    override func isEqual(to other: Animal) -> Bool {
        guard let dog = other as? Dog else { return false }
        return super.isEqual(to: other) && breed == dog.breed && tricks == dog.tricks
    }
}

/// Sub and superclass share one encoder (no `superEncoder`): their keys share one container.
private final class Cat: Animal {
    var indoor: Bool

    private enum CodingKeys: String, CodingKey { case indoor }

    init(name: String, indoor: Bool) {
        self.indoor = indoor
        super.init(name: name, legs: 4)
    }

    required init(from decoder: any Decoder) throws {
        indoor = try decoder.container(keyedBy: CodingKeys.self).decode(Bool.self, forKey: .indoor)
        try super.init(from: decoder)
    }

    override func encode(to encoder: any Encoder) throws {
        try super.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(indoor, forKey: .indoor)
    }

    override func isEqual(to other: Animal) -> Bool {
        guard let cat = other as? Cat else { return false }
        return super.isEqual(to: other) && indoor == cat.indoor
    }
}

/// Superclass coded through an unkeyed container's `superEncoder()`.
private final class Bird: Animal {
    var wingspan: Double

    init(name: String, wingspan: Double) {
        self.wingspan = wingspan
        super.init(name: name, legs: 2)
    }

    required init(from decoder: any Decoder) throws {
        // Own properties must be set before `super.init`, so the superclass's decoder is
        // used after the element that follows it was read.
        var container = try decoder.unkeyedContainer()
        let superDecoder = try container.superDecoder()
        wingspan = try container.decode(Double.self)
        try super.init(from: superDecoder)
    }

    override func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try super.encode(to: container.superEncoder())
        try container.encode(wingspan)
    }

    override func isEqual(to other: Animal) -> Bool {
        guard let bird = other as? Bird else { return false }
        return super.isEqual(to: other) && wingspan == bird.wingspan
    }
}

// MARK: Custom coding

/// Decodes its keys in reverse order, with `contains`, and one that is never there.
private struct Reversed: Codable, Equatable {
    var first: Int
    var second: String
    var third: [Int]
    var fourth: Int?

    private enum CodingKeys: String, CodingKey { case first, second, third, fourth, missing }

    init(first: Int, second: String, third: [Int], fourth: Int?) {
        self.first = first
        self.second = second
        self.third = third
        self.fourth = fourth
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(first, forKey: .first)
        try container.encode(second, forKey: .second)
        try container.encode(third, forKey: .third)
        try container.encodeIfPresent(fourth, forKey: .fourth)
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        #expect(!container.contains(.missing))
        #expect(container.contains(.third))
        fourth = container.contains(.fourth) ? try container.decode(Int.self, forKey: .fourth) : nil
        third = try container.decode([Int].self, forKey: .third)
        second = try container.decode(String.self, forKey: .second)
        first = try container.decode(Int.self, forKey: .first)
        #expect(try container.decodeIfPresent(Int.self, forKey: .missing) == nil)
        #expect(Set(container.allKeys.map(\.stringValue)) == Set(["first", "second", "third"] + (fourth == nil ? [] : ["fourth"])))
    }
}

/// Writes nested containers before their siblings' values and fills them in afterwards.
private struct Interleaved: Codable, Equatable {
    var numbers: [Int]
    var label: String
    var inner: [String: Int]

    private enum CodingKeys: String, CodingKey { case numbers, label, inner }
    private enum InnerKeys: String, CodingKey { case a, b }

    init(numbers: [Int], label: String, inner: [String: Int]) {
        self.numbers = numbers
        self.label = label
        self.inner = inner
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var list = container.nestedUnkeyedContainer(forKey: .numbers)
        var innerContainer = container.nestedContainer(keyedBy: InnerKeys.self, forKey: .inner)
        try list.encode(numbers[0])
        try container.encode(label, forKey: .label)
        try innerContainer.encode(inner["a"]!, forKey: .a)
        for number in numbers.dropFirst() { try list.encode(number) }
        try innerContainer.encode(inner["b"]!, forKey: .b)
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        label = try container.decode(String.self, forKey: .label)
        var list = try container.nestedUnkeyedContainer(forKey: .numbers)
        #expect(list.count == 3)
        var numbers: [Int] = []
        while !list.isAtEnd { numbers.append(try list.decode(Int.self)) }
        self.numbers = numbers
        let innerContainer = try container.nestedContainer(keyedBy: InnerKeys.self, forKey: .inner)
        inner = ["b": try innerContainer.decode(Int.self, forKey: .b), "a": try innerContainer.decode(Int.self, forKey: .a)]
    }
}

/// Nils written by hand in every kind of container, read back with `decodeNil`.
private struct ExplicitNils: Codable, Equatable {
    var values: [Int?]
    var keyed: Int?
    var single: SingleNil

    private enum CodingKeys: String, CodingKey { case values, keyed, single }

    init(values: [Int?], keyed: Int?, single: SingleNil) {
        self.values = values
        self.keyed = keyed
        self.single = single
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var list = container.nestedUnkeyedContainer(forKey: .values)
        for value in values {
            if let value { try list.encode(value) } else { try list.encodeNil() }
        }
        if let keyed { try container.encode(keyed, forKey: .keyed) } else { try container.encodeNil(forKey: .keyed) }
        try container.encode(single, forKey: .single)
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var list = try container.nestedUnkeyedContainer(forKey: .values)
        var values: [Int?] = []
        while !list.isAtEnd {
            values.append(try list.decodeNil() ? nil : try list.decode(Int.self))
        }
        self.values = values
        keyed = try container.decodeNil(forKey: .keyed) ? nil : try container.decode(Int.self, forKey: .keyed)
        single = try container.decode(SingleNil.self, forKey: .single)
    }
}

/// A single value that is either a number or nil, written by hand.
private struct SingleNil: Codable, Equatable {
    var value: Int?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }

    init(value: Int?) { self.value = value }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        value = container.decodeNil() ? nil : try container.decode(Int.self)
    }
}

/// A wrapper coded through a single value container holding another Codable value.
private struct Wrapped<Value: Codable & Equatable>: Codable, Equatable {
    var value: Value
    init(_ value: Value) { self.value = value }
    init(from decoder: any Decoder) throws { value = try decoder.singleValueContainer().decode(Value.self) }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

private enum Rank: String, Codable { case low, high }
private enum Level: Int, Codable { case one = 1, two = 2 }

@Suite struct BinaryCodingRoundTripTests {
    @Test func scalarsAtTopLevelAndInStructs() throws {
        expectBinaryRoundTrip(Scalars())
        expectBinaryRoundTrip(true)
        expectBinaryRoundTrip(Int8.min)
        expectBinaryRoundTrip(UInt16.max)
        expectBinaryRoundTrip(-1.25 as Float)
        expectBinaryRoundTrip(Double.greatestFiniteMagnitude)
        expectBinaryRoundTrip("")
        expectBinaryRoundTrip("text")
        expectBinaryRoundTrip(Int128.min)
        expectBinaryRoundTrip(UInt128.max)
        #expect(try binaryRoundTrip(Double.nan).isNaN)
    }

    @Test func arraysOfScalars() {
        expectBinaryRoundTrip(Arrays())
        expectBinaryRoundTrip([UInt8]())
        expectBinaryRoundTrip([UInt8](repeating: 7, count: 100_000))
        expectBinaryRoundTrip(["a", "b"])
        expectBinaryRoundTrip([true])
        expectBinaryRoundTrip(Arrays(bytes: [], ints: [], int8s: [], int16s: [], int32s: [], int64s: [], uints: [],
                               uint16s: [], uint32s: [], uint64s: [], floats: [], doubles: [], bools: [], strings: []))
    }

    @Test func optionalsAtEveryLevel() throws {
        expectBinaryRoundTrip(Optionals())
        expectBinaryRoundTrip(Optionals(absent: 1, present: nil, nestedNone: nil, nestedSome: .some(nil), nestedAbsent: .some(.some(3)),
                                  tripleNone: nil, structure: nil, list: [], listOfNested: [nil], dictionary: [:]))
        expectBinaryRoundTrip(nil as Int?)
        expectBinaryRoundTrip(5 as Int?)
        expectBinaryRoundTrip(Int??.some(nil))
        expectBinaryRoundTrip(Int??.some(.some(0)))
        expectBinaryRoundTrip(Int??.none)
        expectBinaryRoundTrip(String???.some(.some(nil)))
        expectBinaryRoundTrip(Inner(name: "x") as Inner?)
        expectBinaryRoundTrip(nil as Inner?)
        expectBinaryRoundTrip([nil, nil] as [Int?])
        expectBinaryRoundTrip([nil, 1] as [Int?])
        expectBinaryRoundTrip([Inner(name: "a"), nil, Inner(name: "b")] as [Inner?])
        expectBinaryRoundTrip([[nil], nil, [1]] as [[Int?]?])
        expectBinaryRoundTrip(Generic<Int?>(value: nil, values: [nil, 2], optional: .some(nil)))
    }

    @Test func anOptionalHoldingAValueEncodesLikeTheValue() throws {
        #expect(try BinaryEncoder().encode(5 as Int?) == BinaryEncoder().encode(5))
        #expect(try BinaryEncoder().encode(Inner(name: "a") as Inner?) == BinaryEncoder().encode(Inner(name: "a")))
        #expect(try BinaryEncoder().encode([1, 2] as [Int?]) == BinaryEncoder().encode([1, 2]))
        #expect(try BinaryDecoder().decode(Int.self, from: BinaryEncoder().encode(5 as Int?)) == 5)
        #expect(try BinaryEncoder().encode(nil as Int?).isEmpty)
    }

    @Test func enumsWithAssociatedValues() {
        expectBinaryRoundTrip(Shape.empty)
        expectBinaryRoundTrip(Shape.circle(radius: 1.5))
        expectBinaryRoundTrip(Shape.polygon([], name: "tri"))
        expectBinaryRoundTrip(Shape.nested(nil, []))
        expectBinaryRoundTrip(Shape.nested(.nested(.empty, [.empty]), [.polygon([1], name: nil)]))
        expectBinaryRoundTrip([Rank.low, .high])
        expectBinaryRoundTrip([Level.two: Rank.high])
    }

    @Test func collectionsAndDictionaries() {
        expectBinaryRoundTrip(Collections())
        expectBinaryRoundTrip(["a": [1, nil], "b": []] as [String: [Int?]])
        expectBinaryRoundTrip([:] as [String: [Int?]])
        expectBinaryRoundTrip([1: 2, 3: 4] as [Int: Int])
        expectBinaryRoundTrip([[1, 2]: "pair"] as [[Int]: String])
        expectBinaryRoundTrip(Set([1, 2, 3]))
        expectBinaryRoundTrip(Generic(value: [Inner(name: "g")], values: [[]], optional: nil))
        expectBinaryRoundTrip(Generic(value: Generic(value: 1, values: [], optional: 2), values: [], optional: nil))
    }

    @Test func classHierarchies() throws {
        let dog = Dog(name: "Rex", breed: "collie", tricks: ["sit", "roll"])
        #expect(try binaryRoundTrip(dog) == dog)
        let cat = Cat(name: "Tom", indoor: true)
        #expect(try binaryRoundTrip(cat) == cat)
        let bird = Bird(name: "Tweety", wingspan: 0.3)
        #expect(try binaryRoundTrip(bird) == bird)
        #expect(try binaryRoundTrip([Box(1), Box(2)]) == [Box(1), Box(2)])
    }

    @Test func keysReadInAnyOrder() {
        expectBinaryRoundTrip(Reversed(first: 1, second: "two", third: [3], fourth: 4))
        expectBinaryRoundTrip(Reversed(first: -1, second: "", third: [], fourth: nil))
    }

    @Test func nestedContainersFilledAfterLaterSiblings() {
        expectBinaryRoundTrip(Interleaved(numbers: [1, 2, 3], label: "mid", inner: ["a": 10, "b": 20]))
        expectBinaryRoundTrip([Interleaved(numbers: [4, 5, 6], label: "x", inner: ["a": 1, "b": 2])])
        expectBinaryRoundTrip(Generic(value: Interleaved(numbers: [7, 8, 9], label: "g", inner: ["a": 3, "b": 4]), values: [], optional: nil))
    }

    @Test func explicitNilsInEveryContainer() {
        expectBinaryRoundTrip(ExplicitNils(values: [1, nil, 0, nil], keyed: nil, single: SingleNil(value: nil)))
        expectBinaryRoundTrip(ExplicitNils(values: [], keyed: 3, single: SingleNil(value: 0)))
        expectBinaryRoundTrip(ExplicitNils(values: [nil], keyed: 0, single: SingleNil(value: 9)))
        expectBinaryRoundTrip([SingleNil(value: nil), SingleNil(value: 1), SingleNil(value: nil)])
        expectBinaryRoundTrip(SingleNil(value: nil))
        expectBinaryRoundTrip(SingleNil(value: 0))
        expectBinaryRoundTrip(["k": SingleNil(value: nil)])
    }

    @Test func singleValueWrappers() throws {
        expectBinaryRoundTrip(Wrapped(Inner(name: "w")))
        expectBinaryRoundTrip(Wrapped([1, 2, 3]))
        expectBinaryRoundTrip(Wrapped(Wrapped("deep")))
        expectBinaryRoundTrip(Wrapped(nil as Int?))
        expectBinaryRoundTrip(Wrapped(Int??.some(nil)))
        expectBinaryRoundTrip([Wrapped(nil as Int?), Wrapped(1)])
        expectBinaryRoundTrip(Wrapped(SingleNil(value: nil)))
        // A single value container adds nothing around its value.
        #expect(try BinaryEncoder().encode(Wrapped([UInt8](arrayLiteral: 1, 2))) == BinaryEncoder().encode([UInt8](arrayLiteral: 1, 2)))
    }

    @Test func fastAndGenericPathsWriteTheSameBytes() throws {
        // `Array.encode(to:)` called directly goes through an unkeyed container.
        struct Through: Encodable {
            let bytes: [UInt8]
            func encode(to encoder: any Encoder) throws { try bytes.encode(to: encoder) }
        }
        let bytes: [UInt8] = [3, 1, 4, 1, 5]
        #expect(try BinaryEncoder().encode(Through(bytes: bytes)) == BinaryEncoder().encode(bytes))
        struct Strings: Encodable {
            let strings: [String]
            func encode(to encoder: any Encoder) throws { try strings.encode(to: encoder) }
        }
        #expect(try BinaryEncoder().encode(Strings(strings: ["a", "bc"])) == BinaryEncoder().encode(["a", "bc"]))
        #expect(try BinaryDecoder().decode([Int16].self, from: BinaryEncoder().encode(Wrapped([Int16](arrayLiteral: 1, -1)))) == [1, -1])
    }

    @Test func appendsToAnExistingBuffer() throws {
        var buffer: [UInt8] = [0xAA, 0xBB]
        try BinaryEncoder().encode(Inner(name: "n", tags: ["t"]), into: &buffer)
        #expect(Array(buffer.prefix(2)) == [0xAA, 0xBB])
        #expect(try BinaryDecoder().decode(Inner.self, from: buffer[2...]) == Inner(name: "n", tags: ["t"]))
        try BinaryEncoder().encode([UInt8](arrayLiteral: 9), into: &buffer)
        #expect(buffer.last == 9)
    }

    @Test func decodesFromRawBuffers() throws {
        let bytes = try BinaryEncoder().encode(Collections())
        let decoded = try bytes.withUnsafeBytes { raw in try BinaryDecoder().decode(Collections.self, from: raw) }
        #expect(decoded == Collections())
    }
}
