/// The bookkeeping of slots, entries and elements (what does not call into user code).
extension BinaryEncodingStorage {
    // MARK: Presence

    /// Records that the slot of `frame` holds a value.
    mutating func markValue(_ frame: Int) throws(WireError) {
        guard frames[frame].presence != .nilValue else {
            throw WireError(.unsupported, "a value encoded into a slot that already holds nil")
        }
        frames[frame].presence = .value
    }

    /// Makes the slot of `frame` hold nil.
    mutating func makeSlotNil(_ frame: Int) throws(WireError) {
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

    private mutating func makeElementNil(_ frame: Int, container: Int) throws(WireError) {
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

    /// Appends a presence byte to the current node of `frame`'s slot, for an optional level
    /// below the one that spent the slot's own nil.
    mutating func appendPresence(_ isPresent: Bool, frame: Int) throws(WireError) {
        try markValue(frame)
        moveWritePosition(to: frames[frame].target)
        bytes.append(isPresent ? BinaryWireFormat.presentTag : BinaryWireFormat.absentTag)
    }

    /// Appends a fast-path value to the slot of `frame`.
    mutating func appendPrimitive<T>(_ value: T, _ primitive: BinaryPrimitive, frame: Int) throws(WireError) {
        try markValue(frame)
        moveWritePosition(to: frames[frame].target)
        primitive.append(value, to: &bytes)
    }

    // MARK: Keyed entries

    /// Appends a key to the keyed container `node` and counts the entry.
    mutating func appendKey<Key: CodingKey>(_ key: Key, to node: Int) {
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
    mutating func appendPrimitiveEntry<T, Key: CodingKey>(_ value: T, _ primitive: BinaryPrimitive, forKey key: Key, to node: Int) {
        appendKey(key, to: node)
        appendPrimitiveEntryValue(value, primitive)
    }

    /// Appends the value code and bytes of a fast-path value to the entry just keyed.
    mutating func appendPrimitiveEntryValue<T>(_ value: T, _ primitive: BinaryPrimitive) {
        BinaryWireFormat.appendVarint(UInt64(primitive.encodedSize(of: value)) + 1, to: &bytes)
        primitive.append(value, to: &bytes)
    }

    /// Appends an entry whose value is nil.
    mutating func appendNilEntry<Key: CodingKey>(forKey key: Key, to node: Int) {
        appendKey(key, to: node)
        appendNilEntryValue()
    }

    /// Appends the nil value code to the entry just keyed.
    mutating func appendNilEntryValue() {
        BinaryWireFormat.appendVarint(BinaryWireFormat.nilValueCode, to: &bytes)
    }

    /// Starts the value of an entry whose key was just appended to `node` (or of an element
    /// written through `superEncoder()`): a node for its bytes, behind a value code, and a frame
    /// for its slot.
    mutating func beginEntrySlot(
        in node: Int, component: BinaryPathComponent, frame: Int, presence: BinaryEncodingPresence
    ) throws(WireError) -> Int {
        let region = makeNode(in: node, role: .region, isEntryValue: true)
        return try pushFrame(BinaryEncodingFrame(
            parent: frame, serial: makeSerial(), component: component, kind: .entry,
            target: region, presence: presence, depth: depth(of: frame) + 1))
    }

    // MARK: Unkeyed elements

    /// Counts an element whose bytes the caller appends next, after its presence byte if the
    /// container has had nils.
    @inline(__always)
    mutating func beginPrimitiveElement(in node: Int) {
        moveWritePosition(to: node)
        nodes[node].count += 1
        if nodes[node].leadingUntagged >= 0 { bytes.append(BinaryWireFormat.presentTag) }
    }

    /// Starts an element slot in `node` and pushes its frame.
    mutating func beginElementSlot(in node: Int, frame: Int) throws(WireError) -> Int {
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
    mutating func appendNilElement(to node: Int, index: Int) {
        moveWritePosition(to: node)
        if nodes[node].leadingUntagged < 0 { nodes[node].leadingUntagged = index }
        bytes.append(BinaryWireFormat.absentTag)
    }

    // MARK: Containers

    /// The container node for a container request on `frame`'s slot.
    mutating func containerNode(for frame: Int, role: BinaryEncodingNode.Role) -> Int {
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
    mutating func pushContainerFrame(parent: Int, component: BinaryPathComponent, node: Int) -> Int {
        do {
            return try pushFrame(BinaryEncodingFrame(
                parent: parent, serial: makeSerial(), component: component, kind: .container,
                target: node, container: node, presence: .value, depth: depth(of: parent) + 1))
        } catch {
            recordDeferred(error, at: parent)
            return parent
        }
    }

    /// Pushes a frame that hands `frame`'s slot on to a value's own `encode(to:)`.
    mutating func pushDelegateFrame(of frame: Int) throws(WireError) -> Int {
        var delegate = frames[frame]
        delegate.parent = frame
        delegate.serial = makeSerial()
        delegate.component = .none
        delegate.container = -1
        delegate.hasSingleValue = false
        delegate.depth += 1
        return try pushFrame(delegate)
    }

    /// The nesting depth of `frame` (0 for a frame that no longer exists).
    func depth(of frame: Int) -> Int {
        frame >= 0 && frame < frames.count ? frames[frame].depth : 0
    }
}
