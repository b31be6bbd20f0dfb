/// Putting values into slots where that calls into the values' own `encode(to:)`.
extension BinaryEncodingState {
    // MARK: Top level

    /// Encodes `value` as the whole output.
    func encodeTopLevel<T: Encodable>(_ value: T) throws {
        let storage = self.storage
        let frame = try storage.pointee.pushFrame(BinaryEncodingFrame(
            parent: -1, serial: storage.pointee.makeSerial(), component: .none, kind: .topLevel,
            target: 0, presence: .undecided, depth: 0))
        try encodeIntoSlot(value, frame: frame)
        // An empty top level reads back as nil, so a present value must not be empty.
        if storage.pointee.frames[frame].presence == .value, storage.pointee.bytes.count == storage.pointee.base,
            storage.pointee.nodes.count == 1, storage.pointee.nodes[0].role == .region {
            throw WireError(.unsupported, "\(T.self) encodes to no bytes inside a present optional, which reads back as nil")
        }
        storage.pointee.popFrames(to: 0)
    }

    // MARK: Slots

    /// Encodes `value` into the slot of `frame`, spending the slot's nil on the outermost
    /// optional level and writing presence bytes for deeper ones.
    func encodeIntoSlot<T: Encodable>(_ value: T, frame: Int) throws {
        let storage = self.storage
        if let primitive = BinaryPrimitive.of(T.self) {
            try storage.pointee.appendPrimitive(value, primitive, frame: frame)
        } else if BinaryOptionalDetection.isOptional(T.self) {
            var visitor = SlotOptionalVisitor(state: self, frame: frame)
            try BinaryOptionalDetection.visit(value, with: &visitor)
        } else if storage.pointee.frames[frame].hasSingleValue || storage.pointee.frames[frame].container >= 0 {
            // Handed on from a single value container: the value gets its own encoder on the
            // same slot.
            let mark = storage.pointee.frames.count
            let delegate = try storage.pointee.pushDelegateFrame(of: frame)
            try value.encode(to: BinaryValueEncoder(state: self, frame: delegate))
            storage.pointee.frames[frame].presence = storage.pointee.frames[delegate].presence
            storage.pointee.popFrames(to: mark)
        } else {
            try value.encode(to: BinaryValueEncoder(state: self, frame: frame))
        }
    }

    // MARK: Keyed entries

    /// Appends an entry holding `value` to the keyed container `node` of `frame`.
    func encodeEntry<T: Encodable, Key: CodingKey>(_ value: T, forKey key: Key, to node: Int, frame: Int) throws {
        let storage = self.storage
        if let primitive = BinaryPrimitive.of(T.self) {
            storage.pointee.appendPrimitiveEntry(value, primitive, forKey: key, to: node)
        } else if BinaryOptionalDetection.isOptional(T.self) {
            storage.pointee.appendKey(key, to: node)
            var visitor = EntryOptionalVisitor(state: self, node: node, frame: frame, key: key)
            try BinaryOptionalDetection.visit(value, with: &visitor)
        } else {
            storage.pointee.appendKey(key, to: node)
            let mark = storage.pointee.frames.count
            let entryFrame = try storage.pointee.beginEntrySlot(in: node, component: .key(key), frame: frame, presence: .undecided)
            try value.encode(to: BinaryValueEncoder(state: self, frame: entryFrame))
            storage.pointee.popFrames(to: mark)
        }
    }

    // MARK: Unkeyed elements

    /// Appends an element holding `value` to the unkeyed container `node` of `frame`.
    func encodeElement<T: Encodable>(_ value: T, to node: Int, frame: Int) throws {
        let storage = self.storage
        if let primitive = BinaryPrimitive.of(T.self) {
            storage.pointee.beginPrimitiveElement(in: node)
            primitive.append(value, to: &storage.pointee.bytes)
            return
        }
        let mark = storage.pointee.frames.count
        let elementFrame = try storage.pointee.beginElementSlot(in: node, frame: frame)
        if BinaryOptionalDetection.isOptional(T.self) {
            var visitor = SlotOptionalVisitor(state: self, frame: elementFrame)
            try BinaryOptionalDetection.visit(value, with: &visitor)
        } else {
            try value.encode(to: BinaryValueEncoder(state: self, frame: elementFrame))
        }
        storage.pointee.popFrames(to: mark)
    }
}

/// An optional entry value: nil is value code 0; a value is written as if not optional.
private struct EntryOptionalVisitor<Key: CodingKey>: BinaryOptionalEncodingVisitor {
    let state: BinaryEncodingState
    let node: Int
    let frame: Int
    let key: Key

    mutating func visitNil() throws {
        state.storage.pointee.appendNilEntryValue()
    }

    mutating func visit<Wrapped: Encodable>(_ value: Wrapped) throws {
        let storage = state.storage
        if let primitive = BinaryPrimitive.of(Wrapped.self) {
            storage.pointee.appendPrimitiveEntryValue(value, primitive)
            return
        }
        let mark = storage.pointee.frames.count
        let entryFrame = try storage.pointee.beginEntrySlot(in: node, component: .key(key), frame: frame, presence: .value)
        try state.encodeIntoSlot(value, frame: entryFrame)
        storage.pointee.popFrames(to: mark)
    }
}

/// An optional in a slot: the outermost level spends the slot's own nil, deeper levels write
/// a presence byte.
private struct SlotOptionalVisitor: BinaryOptionalEncodingVisitor {
    let state: BinaryEncodingState
    let frame: Int

    mutating func visitNil() throws {
        let storage = state.storage
        if storage.pointee.frames[frame].presence == .undecided {
            try storage.pointee.makeSlotNil(frame)
        } else {
            try storage.pointee.appendPresence(false, frame: frame)
        }
    }

    mutating func visit<Wrapped: Encodable>(_ value: Wrapped) throws {
        let storage = state.storage
        if storage.pointee.frames[frame].presence == .undecided {
            storage.pointee.frames[frame].presence = .value
        } else {
            try storage.pointee.appendPresence(true, frame: frame)
        }
        try state.encodeIntoSlot(value, frame: frame)
    }
}
