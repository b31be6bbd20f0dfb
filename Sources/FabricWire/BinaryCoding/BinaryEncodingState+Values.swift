/// Putting values into slots: the top level, keyed entries, unkeyed elements.
extension BinaryEncodingState {
    // MARK: Top level

    /// Encodes `value` as the whole output.
    func encodeTopLevel<T: Encodable>(_ value: T) throws {
        let frame = try pushFrame(BinaryEncodingFrame(
            parent: -1, serial: makeSerial(), component: .none, kind: .topLevel,
            target: 0, presence: .undecided, depth: 0))
        try encodeIntoSlot(value, frame: frame)
        // An empty top level reads back as nil, so a present value must not be empty.
        if frames[frame].presence == .value, bytes.count == base, nodes.count == 1, nodes[0].role == .region {
            throw WireError(.unsupported, "\(T.self) encodes to no bytes inside a present optional, which reads back as nil")
        }
        popFrames(to: 0)
    }

    // MARK: Slots

    /// Encodes `value` into the slot of `frame`, spending the slot's nil on the outermost
    /// optional level and writing presence bytes for deeper ones.
    func encodeIntoSlot<T: Encodable>(_ value: T, frame: Int) throws {
        if let primitive = BinaryPrimitive.of(T.self) {
            try markValue(frame)
            moveWritePosition(to: frames[frame].target)
            primitive.append(value, to: &bytes)
        } else if BinaryOptionalDetection.isOptional(T.self) {
            var visitor = SlotOptionalVisitor(state: self, frame: frame)
            try BinaryOptionalDetection.visit(value, with: &visitor)
        } else if frames[frame].hasSingleValue || frames[frame].container >= 0 {
            // Handed on from a single value container: the value gets its own encoder on the
            // same slot.
            let mark = frames.count
            var delegate = frames[frame]
            delegate.parent = frame
            delegate.serial = makeSerial()
            delegate.component = .none
            delegate.container = -1
            delegate.hasSingleValue = false
            delegate.depth += 1
            let delegateIndex = try pushFrame(delegate)
            try value.encode(to: BinaryValueEncoder(state: self, frame: delegateIndex))
            frames[frame].presence = frames[delegateIndex].presence
            popFrames(to: mark)
        } else {
            try value.encode(to: BinaryValueEncoder(state: self, frame: frame))
        }
    }

    /// Records that the slot of `frame` holds a value.
    func markValue(_ frame: Int) throws(WireError) {
        guard frames[frame].presence != .nilValue else {
            throw WireError(.unsupported, "a value encoded into a slot that already holds nil")
        }
        frames[frame].presence = .value
    }

    /// Makes the slot of `frame` hold nil.
    func makeSlotNil(_ frame: Int) throws(WireError) {
        switch frames[frame].presence {
        case .undecided: break
        case .value:
            throw WireError(.unsupported,
                "nil encoded inside the payload of a present optional cannot be told apart from a value")
        case .nilValue:
            throw WireError(.unsupported, "nil encoded twice into one slot")
        }
        frames[frame].presence = .nilValue
        let target = frames[frame].target
        switch frames[frame].kind {
        case .topLevel:
            break
        case .entry:
            nodes[target].isNilValue = true
        case .element:
            try makeElementNil(frame, container: target)
        case .container:
            preconditionFailure("a container frame is not a slot")
        }
    }

    private func makeElementNil(_ frame: Int, container: Int) throws(WireError) {
        let tagPosition = frames[frame].elementTagPosition
        if tagPosition >= 0 {
            bytes[tagPosition] = BinaryWireFormat.absentTag
            return
        }
        // The container was dense when the element began: this is its first nil.
        guard nodes[container].leadingUntagged < 0, frames[frame].elementIndex == nodes[container].count - 1 else {
            throw WireError(.unsupported, "an unkeyed element made nil after later elements were encoded")
        }
        appendNilElement(to: container, index: frames[frame].elementIndex)
    }

    // MARK: Keyed entries

    /// Appends a key to the keyed container `node` and counts the entry.
    func appendKey<Key: CodingKey>(_ key: Key, to node: Int) {
        moveWritePosition(to: node)
        nodes[node].count += 1
        switch BinaryWireFormat.KeyForm(key) {
        case .integer(let header):
            BinaryWireFormat.appendVarint(header, to: &bytes)
        case .string(var name):
            name.withUTF8 { utf8 in
                BinaryWireFormat.appendVarint(UInt64(utf8.count) << 1, to: &bytes)
                bytes.append(contentsOf: utf8)
            }
        }
    }

    /// Appends an entry whose value is a fast-path value.
    @inline(__always)
    func appendPrimitiveEntry<T, Key: CodingKey>(_ value: T, _ primitive: BinaryPrimitive, forKey key: Key, to node: Int) {
        appendKey(key, to: node)
        appendPrimitiveEntryValue(value, primitive)
    }

    private func appendPrimitiveEntryValue<T>(_ value: T, _ primitive: BinaryPrimitive) {
        BinaryWireFormat.appendVarint(UInt64(primitive.encodedSize(of: value)) + 1, to: &bytes)
        primitive.append(value, to: &bytes)
    }

    /// Appends an entry whose value is nil.
    func appendNilEntry<Key: CodingKey>(forKey key: Key, to node: Int) {
        appendKey(key, to: node)
        BinaryWireFormat.appendVarint(BinaryWireFormat.nilValueCode, to: &bytes)
    }

    /// Appends an entry holding `value` to the keyed container `node` of `frame`.
    func encodeEntry<T: Encodable, Key: CodingKey>(_ value: T, forKey key: Key, to node: Int, frame: Int) throws {
        if let primitive = BinaryPrimitive.of(T.self) {
            appendPrimitiveEntry(value, primitive, forKey: key, to: node)
        } else if BinaryOptionalDetection.isOptional(T.self) {
            appendKey(key, to: node)
            var visitor = EntryOptionalVisitor(state: self, node: node, frame: frame, key: key)
            try BinaryOptionalDetection.visit(value, with: &visitor)
        } else {
            appendKey(key, to: node)
            let mark = frames.count
            let entryFrame = try beginEntrySlot(in: node, component: .key(key), frame: frame, presence: .undecided)
            try value.encode(to: BinaryValueEncoder(state: self, frame: entryFrame))
            popFrames(to: mark)
        }
    }

    /// Starts the value of an entry whose key was just appended to `node`: a node for its
    /// bytes and a frame for its slot.
    func beginEntrySlot(
        in node: Int, component: BinaryPathComponent, frame: Int, presence: BinaryEncodingPresence
    ) throws(WireError) -> Int {
        let region = makeNode(in: node, role: .region, isEntryValue: true)
        return try pushFrame(BinaryEncodingFrame(
            parent: frame, serial: makeSerial(), component: component, kind: .entry,
            target: region, presence: presence, depth: depth(of: frame) + 1))
    }

    /// An optional entry value: nil is value code 0; a value is written as if not optional.
    private struct EntryOptionalVisitor<Key: CodingKey>: BinaryOptionalEncodingVisitor {
        let state: BinaryEncodingState
        let node: Int
        let frame: Int
        let key: Key

        mutating func visitNil() throws {
            BinaryWireFormat.appendVarint(BinaryWireFormat.nilValueCode, to: &state.bytes)
        }

        mutating func visit<Wrapped: Encodable>(_ value: Wrapped) throws {
            if let primitive = BinaryPrimitive.of(Wrapped.self) {
                state.appendPrimitiveEntryValue(value, primitive)
                return
            }
            let mark = state.frames.count
            let entryFrame = try state.beginEntrySlot(in: node, component: .key(key), frame: frame, presence: .value)
            try state.encodeIntoSlot(value, frame: entryFrame)
            state.popFrames(to: mark)
        }
    }

    // MARK: Unkeyed elements

    /// Appends an element holding `value` to the unkeyed container `node` of `frame`.
    func encodeElement<T: Encodable>(_ value: T, to node: Int, frame: Int) throws {
        if let primitive = BinaryPrimitive.of(T.self) {
            beginPrimitiveElement(in: node)
            primitive.append(value, to: &bytes)
            return
        }
        let mark = frames.count
        let elementFrame = try beginElementSlot(in: node, frame: frame)
        if BinaryOptionalDetection.isOptional(T.self) {
            var visitor = SlotOptionalVisitor(state: self, frame: elementFrame)
            try BinaryOptionalDetection.visit(value, with: &visitor)
        } else {
            try value.encode(to: BinaryValueEncoder(state: self, frame: elementFrame))
        }
        popFrames(to: mark)
    }

    /// Counts an element whose bytes the caller appends next, after its presence byte if the
    /// container has had nils.
    @inline(__always)
    func beginPrimitiveElement(in node: Int) {
        moveWritePosition(to: node)
        nodes[node].count += 1
        if nodes[node].leadingUntagged >= 0 { bytes.append(BinaryWireFormat.presentTag) }
    }

    /// Starts an element slot in `node` and pushes its frame.
    func beginElementSlot(in node: Int, frame: Int) throws(WireError) -> Int {
        let index = nodes[node].count
        beginPrimitiveElement(in: node)
        let tagPosition = nodes[node].leadingUntagged >= 0 ? bytes.count - 1 : -1
        return try pushFrame(BinaryEncodingFrame(
            parent: frame, serial: makeSerial(), component: .index(index), kind: .element,
            target: node, presence: .undecided, elementTagPosition: tagPosition,
            elementIndex: index, depth: depth(of: frame) + 1))
    }

    /// Appends a nil element (`index` already counted) to `node`, switching it to the form
    /// with presence bytes at its first nil.
    func appendNilElement(to node: Int, index: Int) {
        moveWritePosition(to: node)
        if nodes[node].leadingUntagged < 0 { nodes[node].leadingUntagged = index }
        bytes.append(BinaryWireFormat.absentTag)
    }

    // MARK: Containers

    /// The container node for a container request on `frame`'s slot.
    func containerNode(for frame: Int, role: BinaryEncodingNode.Role) -> Int {
        let existing = frames[frame].container
        if existing >= 0 {
            if nodes[existing].role != role {
                recordDeferred(WireError(.unsupported, "one value asked for both a keyed and an unkeyed container"), at: frame)
            }
            return existing
        }
        if frames[frame].hasSingleValue || frames[frame].presence == .nilValue {
            recordDeferred(WireError(.unsupported, "one value used a single value container and another container"), at: frame)
        }
        frames[frame].presence = .value
        let target = frames[frame].target
        let node: Int
        if frames[frame].kind != .element, canBecomeContainer(target) {
            nodes[target].role = role
            node = target
        } else {
            node = makeNode(in: target, role: role, isEntryValue: false)
        }
        frames[frame].container = node
        return node
    }

    /// Pushes the frame of a nested container (for its coding path), or notes the depth error
    /// and returns `parent` when nesting is too deep (the API cannot throw there).
    func pushContainerFrame(parent: Int, component: BinaryPathComponent, node: Int) -> Int {
        do {
            return try pushFrame(BinaryEncodingFrame(
                parent: parent, serial: makeSerial(), component: component, kind: .container,
                target: node, container: node, presence: .value, depth: depth(of: parent) + 1))
        } catch {
            recordDeferred(error, at: parent)
            return parent
        }
    }

    /// The nesting depth of `frame` (0 for a frame that no longer exists).
    func depth(of frame: Int) -> Int {
        frame >= 0 && frame < frames.count ? frames[frame].depth : 0
    }
}

/// An optional in a slot: the outermost level spends the slot's own nil, deeper levels write
/// a presence byte.
private struct SlotOptionalVisitor: BinaryOptionalEncodingVisitor {
    let state: BinaryEncodingState
    let frame: Int

    mutating func visitNil() throws {
        if state.frames[frame].presence == .undecided {
            try state.makeSlotNil(frame)
        } else {
            try state.markValue(frame)
            state.moveWritePosition(to: state.frames[frame].target)
            state.bytes.append(BinaryWireFormat.absentTag)
        }
    }

    mutating func visit<Wrapped: Encodable>(_ value: Wrapped) throws {
        if state.frames[frame].presence == .undecided {
            state.frames[frame].presence = .value
        } else {
            try state.markValue(frame)
            state.moveWritePosition(to: state.frames[frame].target)
            state.bytes.append(BinaryWireFormat.presentTag)
        }
        try state.encodeIntoSlot(value, frame: frame)
    }
}
