/// The `Decoder` a value's `init(from:)` receives: a slot of the input.
struct BinaryValueDecoder: Decoder {
    let state: BinaryDecodingState
    let frame: BinaryFrameReference

    init(state: BinaryDecodingState, frame: Int) {
        self.state = state
        self.frame = state.storage.pointee.reference(to: frame)
    }

    var codingPath: [any CodingKey] { state.storage.pointee.codingPath(endingAt: frame.index) }
    var userInfo: [CodingUserInfoKey: Any] { state.userInfoForCoders }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        try state.storage.pointee.checkLive(frame)
        let header = try state.storage.pointee.containerHeader(for: frame.index, keyed: true)
        return KeyedDecodingContainer(BinaryKeyedDecodingContainer<Key>(state: state, frame: frame, header: header))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try state.storage.pointee.checkLive(frame)
        let header = try state.storage.pointee.containerHeader(for: frame.index, keyed: false)
        return BinaryUnkeyedDecodingContainer(state: state, frame: frame, header: header)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        try state.storage.pointee.checkLive(frame)
        return BinarySingleValueDecodingContainer(state: state, frame: frame)
    }
}

/// A single value container: reads the one value (or nil) of its slot.
struct BinarySingleValueDecodingContainer: SingleValueDecodingContainer {
    let state: BinaryDecodingState
    let frame: BinaryFrameReference

    var codingPath: [any CodingKey] { state.storage.pointee.codingPath(endingAt: frame.index) }

    func decodeNil() -> Bool {
        let storage = state.storage
        do {
            try storage.pointee.checkLive(frame)
        } catch {
            storage.pointee.recordDeferred(error, at: frame.index)
            return false
        }
        return storage.pointee.slotIsNil(frame.index)
    }

    private func decodePrimitive<T>(_ type: T.Type, _ primitive: BinaryPrimitive) throws -> T {
        try state.storage.pointee.checkLive(frame)
        return try state.storage.pointee.readPrimitive(type, primitive, frame: frame.index)
    }

    func decode(_ type: Bool.Type) throws -> Bool { try decodePrimitive(type, .bool) }
    func decode(_ type: String.Type) throws -> String { try decodePrimitive(type, .string) }
    func decode(_ type: Double.Type) throws -> Double { try decodePrimitive(type, .double) }
    func decode(_ type: Float.Type) throws -> Float { try decodePrimitive(type, .float) }
    func decode(_ type: Int.Type) throws -> Int { try decodePrimitive(type, .int) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decodePrimitive(type, .int8) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decodePrimitive(type, .int16) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decodePrimitive(type, .int32) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decodePrimitive(type, .int64) }
    func decode(_ type: Int128.Type) throws -> Int128 { try decodePrimitive(type, .int128) }
    func decode(_ type: UInt.Type) throws -> UInt { try decodePrimitive(type, .uint) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decodePrimitive(type, .uint8) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decodePrimitive(type, .uint16) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decodePrimitive(type, .uint32) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decodePrimitive(type, .uint64) }
    func decode(_ type: UInt128.Type) throws -> UInt128 { try decodePrimitive(type, .uint128) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try state.storage.pointee.checkLive(frame)
        return try state.decodeFromSlot(type, frame: frame.index, isHandedOn: true)
    }
}
