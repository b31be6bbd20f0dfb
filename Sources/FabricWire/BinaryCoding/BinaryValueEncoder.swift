/// The `Encoder` a value's `encode(to:)` receives: a slot of the output.
///
/// Small enough (the shared state and a frame reference) to be passed as `any Encoder`
/// without an allocation.
struct BinaryValueEncoder: Encoder {
    let state: BinaryEncodingState
    let frame: BinaryFrameReference

    init(state: BinaryEncodingState, frame: Int) {
        self.state = state
        self.frame = state.storage.pointee.reference(to: frame)
    }

    var codingPath: [any CodingKey] { state.storage.pointee.codingPath(endingAt: frame.index) }
    var userInfo: [CodingUserInfoKey: Any] { state.userInfoForCoders }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let node = liveContainerNode(role: .keyed)
        return KeyedEncodingContainer(BinaryKeyedEncodingContainer<Key>(state: state, node: node, frame: frame))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let node = liveContainerNode(role: .unkeyed)
        return BinaryUnkeyedEncodingContainer(state: state, node: node, frame: frame)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        BinarySingleValueEncodingContainer(state: state, frame: frame)
    }

    private func liveContainerNode(role: BinaryEncodingNode.Role) -> Int {
        let storage = state.storage
        guard storage.pointee.isLive(frame) else {
            storage.pointee.recordDeferred(BinaryFrameReference.staleError, at: frame.index)
            return 0
        }
        return storage.pointee.containerNode(for: frame.index, role: role)
    }
}

/// A single value container: writes one value (or nil) into its slot.
struct BinarySingleValueEncodingContainer: SingleValueEncodingContainer {
    let state: BinaryEncodingState
    let frame: BinaryFrameReference

    var codingPath: [any CodingKey] { state.storage.pointee.codingPath(endingAt: frame.index) }

    /// Claims the slot for the one value a single value container may write.
    private func claim() throws(WireError) {
        let storage = state.storage
        guard storage.pointee.isLive(frame) else { throw BinaryFrameReference.staleError }
        let slot = storage.pointee.frames[frame.index]
        guard !slot.hasSingleValue, slot.container < 0 else {
            throw WireError(.unsupported, "a second value encoded into one slot")
        }
        storage.pointee.frames[frame.index].hasSingleValue = true
    }

    mutating func encodeNil() throws {
        try claim()
        try state.storage.pointee.makeSlotNil(frame.index)
    }

    private func encodePrimitive<T>(_ value: T, _ primitive: BinaryPrimitive) throws {
        try claim()
        try state.storage.pointee.appendPrimitive(value, primitive, frame: frame.index)
    }

    mutating func encode(_ value: Bool) throws { try encodePrimitive(value, .bool) }
    mutating func encode(_ value: String) throws { try encodePrimitive(value, .string) }
    mutating func encode(_ value: Double) throws { try encodePrimitive(value, .double) }
    mutating func encode(_ value: Float) throws { try encodePrimitive(value, .float) }
    mutating func encode(_ value: Int) throws { try encodePrimitive(value, .int) }
    mutating func encode(_ value: Int8) throws { try encodePrimitive(value, .int8) }
    mutating func encode(_ value: Int16) throws { try encodePrimitive(value, .int16) }
    mutating func encode(_ value: Int32) throws { try encodePrimitive(value, .int32) }
    mutating func encode(_ value: Int64) throws { try encodePrimitive(value, .int64) }
    mutating func encode(_ value: Int128) throws { try encodePrimitive(value, .int128) }
    mutating func encode(_ value: UInt) throws { try encodePrimitive(value, .uint) }
    mutating func encode(_ value: UInt8) throws { try encodePrimitive(value, .uint8) }
    mutating func encode(_ value: UInt16) throws { try encodePrimitive(value, .uint16) }
    mutating func encode(_ value: UInt32) throws { try encodePrimitive(value, .uint32) }
    mutating func encode(_ value: UInt64) throws { try encodePrimitive(value, .uint64) }
    mutating func encode(_ value: UInt128) throws { try encodePrimitive(value, .uint128) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try claim()
        try state.encodeIntoSlot(value, frame: frame.index)
    }
}
