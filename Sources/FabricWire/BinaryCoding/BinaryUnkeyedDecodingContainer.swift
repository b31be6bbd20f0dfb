/// An unkeyed container being decoded: elements are read in order.
struct BinaryUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    let state: BinaryDecodingState
    let frame: BinaryFrameReference
    let header: BinaryContainerHeader
    /// Where the next element starts.
    private var position: Int
    private(set) var currentIndex = 0

    init(state: BinaryDecodingState, frame: BinaryFrameReference, header: BinaryContainerHeader) {
        self.state = state
        self.frame = frame
        self.header = header
        position = header.bodyStart
    }

    var codingPath: [any CodingKey] { state.storage.pointee.codingPath(endingAt: frame.index) }
    var count: Int? { header.count }
    var isAtEnd: Bool { currentIndex >= header.count }

    // MARK: Elements

    /// Prepares to read the next element: whether it is nil. Reads its presence byte, if it
    /// has one, unless `peeking`.
    private mutating func beginElement(peeking: Bool = false) throws(WireError) -> Bool {
        try state.storage.pointee.checkLive(frame)
        guard currentIndex < header.count else {
            throw WireError(.typeMismatch, "unkeyed container has no element \(currentIndex) (it holds \(header.count))")
        }
        guard currentIndex >= header.leadingUntagged else { return false }
        guard position < header.bodyEnd else { throw BinaryWireFormat.truncated("a presence byte") }
        let tag = state.input[position]
        switch tag {
        case BinaryWireFormat.absentTag:
            if !peeking { position += 1 }
            return true
        case BinaryWireFormat.presentTag:
            if !peeking { position += 1 }
            return false
        default:
            throw WireError(.malformed, "presence byte is \(tag), not 0 or 1")
        }
    }

    mutating func decodeNil() throws -> Bool {
        guard try beginElement(peeking: true) else { return false }
        position += 1
        currentIndex += 1
        return true
    }

    private mutating func decodePrimitive<T>(_ type: T.Type, _ primitive: BinaryPrimitive) throws -> T {
        if try beginElement() { throw BinaryDecodingStorage.foundNil(T.self) }
        let value = try primitive.read(type, state.input, at: &position, end: header.bodyEnd)
        currentIndex += 1
        return value
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try decodePrimitive(type, .bool) }
    mutating func decode(_ type: String.Type) throws -> String { try decodePrimitive(type, .string) }
    mutating func decode(_ type: Double.Type) throws -> Double { try decodePrimitive(type, .double) }
    mutating func decode(_ type: Float.Type) throws -> Float { try decodePrimitive(type, .float) }
    mutating func decode(_ type: Int.Type) throws -> Int { try decodePrimitive(type, .int) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try decodePrimitive(type, .int8) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try decodePrimitive(type, .int16) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try decodePrimitive(type, .int32) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try decodePrimitive(type, .int64) }
    mutating func decode(_ type: Int128.Type) throws -> Int128 { try decodePrimitive(type, .int128) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try decodePrimitive(type, .uint) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try decodePrimitive(type, .uint8) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try decodePrimitive(type, .uint16) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try decodePrimitive(type, .uint32) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try decodePrimitive(type, .uint64) }
    mutating func decode(_ type: UInt128.Type) throws -> UInt128 { try decodePrimitive(type, .uint128) }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let primitive = BinaryPrimitive.of(T.self) {
            return try decodePrimitive(type, primitive)
        }
        let isNil = try beginElement()
        let mark = state.storage.pointee.frames.count
        let slot = try pushElementFrame(isNil: isNil)
        let value = try state.decodeFromSlot(type, frame: slot, isHandedOn: false)
        position = state.storage.pointee.frames[slot].consumedEnd
        currentIndex += 1
        state.storage.pointee.popFrames(to: mark)
        return value
    }

    /// Nil at the end or for a nil element; otherwise the element as a `T?` holding a value
    /// (so `T`'s own optional levels read their presence bytes as `encode(_: T?)` wrote them,
    /// which the protocol's default, `decodeNil()` then `decode(T.self)`, would not).
    mutating func decodeIfPresent<T: Decodable>(_ type: T.Type) throws -> T? {
        if isAtEnd { return nil }
        return try decode(T?.self)
    }

    private func pushElementFrame(isNil: Bool) throws(WireError) -> Int {
        try state.storage.pointee.pushFrame(
            parent: frame.index, component: .index(currentIndex), kind: .element, start: position,
            end: header.bodyEnd, presence: isNil ? .nilValue : .value)
    }

    // MARK: Nested containers

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (nested, nestedHeader) = try beginNested(keyed: true)
        return KeyedDecodingContainer(BinaryKeyedDecodingContainer<NestedKey>(state: state, frame: nested, header: nestedHeader))
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (nested, nestedHeader) = try beginNested(keyed: false)
        return BinaryUnkeyedDecodingContainer(state: state, frame: nested, header: nestedHeader)
    }

    private mutating func beginNested(keyed: Bool) throws(WireError) -> (BinaryFrameReference, BinaryContainerHeader) {
        if try beginElement() {
            throw WireError(.typeMismatch, "expected a \(keyed ? "keyed" : "unkeyed") container, found nil")
        }
        let nested = try pushElementFrame(isNil: false)
        state.storage.pointee.frames[nested].kind = .container
        let nestedHeader = try state.storage.pointee.containerHeader(for: nested, keyed: keyed)
        position = nestedHeader.bodyEnd
        currentIndex += 1
        return (state.storage.pointee.reference(to: nested), nestedHeader)
    }

    /// The superclass's element carries a value code (see `superEncoder()`), so its end is
    /// known before anyone reads it.
    mutating func superDecoder() throws -> any Decoder {
        if try beginElement() {
            throw WireError(.typeMismatch, "expected a superclass's element, found nil")
        }
        var entryPosition = position
        let code = try BinaryWireFormat.readVarint(state.input, at: &entryPosition, end: header.bodyEnd)
        var valueEnd = entryPosition
        if code != BinaryWireFormat.nilValueCode {
            guard code - 1 <= UInt64(header.bodyEnd - entryPosition) else {
                throw BinaryWireFormat.truncated("a superclass's element")
            }
            valueEnd += Int(code - 1)
        }
        let slot = try state.storage.pointee.pushFrame(
            parent: frame.index, component: .index(currentIndex), kind: .entry, start: entryPosition,
            end: valueEnd, presence: code == BinaryWireFormat.nilValueCode ? .nilValue : .value)
        position = valueEnd
        currentIndex += 1
        return BinaryValueDecoder(state: state, frame: slot)
    }
}
