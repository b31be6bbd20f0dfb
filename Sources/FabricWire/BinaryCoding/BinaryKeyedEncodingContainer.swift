/// A keyed container being encoded: entries are appended to its node in the order they come.
struct BinaryKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let state: BinaryEncodingState
    let node: Int
    let frame: BinaryFrameReference

    var codingPath: [any CodingKey] { state.storage.pointee.codingPath(endingAt: frame.index) }

    /// Notes (and lets `finish()` throw) a container used after its value's coding returned.
    @inline(__always)
    private func checkLive() {
        if !state.storage.pointee.isLive(frame) { state.storage.pointee.recordDeferred(BinaryFrameReference.staleError, at: frame.index) }
    }

    @inline(__always)
    private mutating func encodePrimitive<T>(_ value: T, _ primitive: BinaryPrimitive, forKey key: Key) {
        checkLive()
        state.storage.pointee.appendPrimitiveEntry(value, primitive, forKey: key, to: node)
    }

    mutating func encodeNil(forKey key: Key) throws {
        checkLive()
        state.storage.pointee.appendNilEntry(forKey: key, to: node)
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws { encodePrimitive(value, .bool, forKey: key) }
    mutating func encode(_ value: String, forKey key: Key) throws { encodePrimitive(value, .string, forKey: key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { encodePrimitive(value, .double, forKey: key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { encodePrimitive(value, .float, forKey: key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { encodePrimitive(value, .int, forKey: key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { encodePrimitive(value, .int8, forKey: key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { encodePrimitive(value, .int16, forKey: key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { encodePrimitive(value, .int32, forKey: key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { encodePrimitive(value, .int64, forKey: key) }
    mutating func encode(_ value: Int128, forKey key: Key) throws { encodePrimitive(value, .int128, forKey: key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { encodePrimitive(value, .uint, forKey: key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { encodePrimitive(value, .uint8, forKey: key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { encodePrimitive(value, .uint16, forKey: key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { encodePrimitive(value, .uint32, forKey: key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { encodePrimitive(value, .uint64, forKey: key) }
    mutating func encode(_ value: UInt128, forKey key: Key) throws { encodePrimitive(value, .uint128, forKey: key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        checkLive()
        try state.encodeEntry(value, forKey: key, to: node, frame: frame.index)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let (nested, nestedFrame) = makeNested(role: .keyed, forKey: key)
        return KeyedEncodingContainer(BinaryKeyedEncodingContainer<NestedKey>(state: state, node: nested, frame: nestedFrame))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let (nested, nestedFrame) = makeNested(role: .unkeyed, forKey: key)
        return BinaryUnkeyedEncodingContainer(state: state, node: nested, frame: nestedFrame)
    }

    private func makeNested(role: BinaryEncodingNode.Role, forKey key: Key) -> (Int, BinaryFrameReference) {
        checkLive()
        state.storage.pointee.appendKey(key, to: node)
        let nested = state.storage.pointee.makeNode(in: node, role: role, isEntryValue: true)
        let nestedFrame = state.storage.pointee.pushContainerFrame(parent: frame.index, component: .key(key), node: nested)
        return (nested, state.storage.pointee.reference(to: nestedFrame))
    }

    mutating func superEncoder() -> any Encoder {
        makeSuperEncoder(forKey: BinarySuperKey())
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        makeSuperEncoder(forKey: key)
    }

    private func makeSuperEncoder<SuperKey: CodingKey>(forKey key: SuperKey) -> any Encoder {
        checkLive()
        state.storage.pointee.appendKey(key, to: node)
        do {
            let slot = try state.storage.pointee.beginEntrySlot(in: node, component: .key(key), frame: frame.index, presence: .undecided)
            return BinaryValueEncoder(state: state, frame: slot)
        } catch {
            state.storage.pointee.recordDeferred(error, at: frame.index)
            return BinaryValueEncoder(state: state, frame: frame.index)
        }
    }
}
