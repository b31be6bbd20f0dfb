/// An unkeyed container being encoded: elements are appended to its node in order.
struct BinaryUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let state: BinaryEncodingState
    let node: Int
    let frame: BinaryFrameReference

    var codingPath: [any CodingKey] { state.storage.pointee.codingPath(endingAt: frame.index) }
    var count: Int { state.storage.pointee.nodes[node].count }

    /// Notes (and lets `finish()` throw) a container used after its value's coding returned.
    @inline(__always)
    private func checkLive() {
        if !state.storage.pointee.isLive(frame) { state.storage.pointee.recordDeferred(BinaryFrameReference.staleError, at: frame.index) }
    }

    @inline(__always)
    private mutating func encodePrimitive<T>(_ value: T, _ primitive: BinaryPrimitive) {
        checkLive()
        state.storage.pointee.beginPrimitiveElement(in: node)
        primitive.append(value, to: &state.storage.pointee.bytes)
    }

    mutating func encodeNil() throws {
        checkLive()
        let index = state.storage.pointee.nodes[node].count
        state.storage.pointee.nodes[node].count += 1
        state.storage.pointee.appendNilElement(to: node, index: index)
    }

    mutating func encode(_ value: Bool) throws { encodePrimitive(value, .bool) }
    mutating func encode(_ value: String) throws { encodePrimitive(value, .string) }
    mutating func encode(_ value: Double) throws { encodePrimitive(value, .double) }
    mutating func encode(_ value: Float) throws { encodePrimitive(value, .float) }
    mutating func encode(_ value: Int) throws { encodePrimitive(value, .int) }
    mutating func encode(_ value: Int8) throws { encodePrimitive(value, .int8) }
    mutating func encode(_ value: Int16) throws { encodePrimitive(value, .int16) }
    mutating func encode(_ value: Int32) throws { encodePrimitive(value, .int32) }
    mutating func encode(_ value: Int64) throws { encodePrimitive(value, .int64) }
    mutating func encode(_ value: Int128) throws { encodePrimitive(value, .int128) }
    mutating func encode(_ value: UInt) throws { encodePrimitive(value, .uint) }
    mutating func encode(_ value: UInt8) throws { encodePrimitive(value, .uint8) }
    mutating func encode(_ value: UInt16) throws { encodePrimitive(value, .uint16) }
    mutating func encode(_ value: UInt32) throws { encodePrimitive(value, .uint32) }
    mutating func encode(_ value: UInt64) throws { encodePrimitive(value, .uint64) }
    mutating func encode(_ value: UInt128) throws { encodePrimitive(value, .uint128) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        checkLive()
        try state.encodeElement(value, to: node, frame: frame.index)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let (nested, nestedFrame) = makeNested(role: .keyed)
        return KeyedEncodingContainer(BinaryKeyedEncodingContainer<NestedKey>(state: state, node: nested, frame: nestedFrame))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let (nested, nestedFrame) = makeNested(role: .unkeyed)
        return BinaryUnkeyedEncodingContainer(state: state, node: nested, frame: nestedFrame)
    }

    private func makeNested(role: BinaryEncodingNode.Role) -> (Int, BinaryFrameReference) {
        checkLive()
        let index = state.storage.pointee.nodes[node].count
        state.storage.pointee.beginPrimitiveElement(in: node)
        let nested = state.storage.pointee.makeNode(in: node, role: role, isEntryValue: false)
        let nestedFrame = state.storage.pointee.pushContainerFrame(parent: frame.index, component: .index(index), node: nested)
        return (nested, state.storage.pointee.reference(to: nestedFrame))
    }

    /// The superclass's element is preceded by a value code, as a keyed entry's value is, so
    /// that `superDecoder()` can hand it out before the element is read.
    mutating func superEncoder() -> any Encoder {
        checkLive()
        let index = state.storage.pointee.nodes[node].count
        state.storage.pointee.beginPrimitiveElement(in: node)
        do {
            return BinaryValueEncoder(state: state, frame: try state.storage.pointee.beginEntrySlot(
                in: node, component: .index(index), frame: frame.index, presence: .undecided))
        } catch {
            state.storage.pointee.recordDeferred(error, at: frame.index)
            return BinaryValueEncoder(state: state, frame: frame.index)
        }
    }
}
