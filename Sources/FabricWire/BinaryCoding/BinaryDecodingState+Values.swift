/// Reading values out of slots: the top level, keyed entries, unkeyed elements.
extension BinaryDecodingState {
    // MARK: Top level

    /// Decodes a `T` that must use the whole input.
    func decodeTopLevel<T: Decodable>(_ type: T.Type) throws -> T {
        let frame = try pushFrame(
            parent: -1, component: .none, kind: .topLevel, start: 0, end: input.count,
            presence: input.isEmpty ? .nilValue : .value)
        let value = try decodeFromSlot(type, frame: frame, isHandedOn: false)
        let consumed = frames[frame].consumedEnd
        guard consumed == input.count else {
            throw WireError(.trailingBytes, "\(input.count - consumed) bytes left after \(T.self)")
        }
        popFrames(to: 0)
        return value
    }

    // MARK: Slots

    /// Decodes a `T` from the slot of `frame`. `isHandedOn` is set when a single value
    /// container hands the slot on to `T`'s own `init(from:)`, which then gets a frame of its
    /// own (so nesting through single values is counted against the depth limit).
    func decodeFromSlot<T: Decodable>(_ type: T.Type, frame: Int, isHandedOn: Bool) throws -> T {
        if let primitive = BinaryPrimitive.of(T.self) {
            return try readPrimitive(type, primitive, frame: frame)
        }
        if BinaryOptionalDetection.isOptional(T.self) {
            var visitor = SlotOptionalDecodingVisitor(state: self, frame: frame)
            return try BinaryOptionalDetection.decode(type, with: &visitor)
        }
        guard isHandedOn else {
            return try T(from: BinaryValueDecoder(state: self, frame: frame))
        }
        let mark = frames.count
        let slot = frames[frame]
        let delegate = try pushFrame(
            parent: frame, component: .none, kind: slot.kind, start: slot.valueStart, end: slot.end,
            presence: slot.presence)
        let value = try T(from: BinaryValueDecoder(state: self, frame: delegate))
        frames[frame].consumedEnd = frames[delegate].consumedEnd
        popFrames(to: mark)
        return value
    }

    /// Reads a fast-path value from the slot of `frame`.
    func readPrimitive<T>(_ type: T.Type, _ primitive: BinaryPrimitive, frame: Int) throws(WireError) -> T {
        guard frames[frame].presence != .nilValue else { throw Self.foundNil(T.self) }
        var position = frames[frame].valueStart
        let value = try primitive.read(type, input, at: &position, end: frames[frame].end)
        frames[frame].consumedEnd = position
        return value
    }

    /// The error for nil where a value is required.
    static func foundNil(_ type: Any.Type) -> WireError {
        WireError(.typeMismatch, "expected \(type), found nil")
    }

    /// Whether the slot of `frame` holds nil (what `decodeNil()` answers).
    func slotIsNil(_ frame: Int) -> Bool {
        frames[frame].presence == .nilValue
    }
}

/// An optional asked for from a slot: the outermost level reads the slot's own nil, deeper
/// levels a presence byte.
struct SlotOptionalDecodingVisitor: BinaryOptionalDecodingVisitor {
    let state: BinaryDecodingState
    let frame: Int
    /// Where the wrapped value starts.
    private var payloadStart = 0

    init(state: BinaryDecodingState, frame: Int) {
        self.state = state
        self.frame = frame
    }

    mutating func isNil() throws -> Bool {
        let slot = state.frames[frame]
        switch slot.presence {
        case .nilValue:
            return true
        case .value:
            payloadStart = slot.valueStart
            return false
        case .spent:
            guard slot.valueStart < slot.end else { throw BinaryWireFormat.truncated("a presence byte") }
            let tag = state.input[slot.valueStart]
            switch tag {
            case BinaryWireFormat.absentTag:
                state.frames[frame].consumedEnd = slot.valueStart + 1
                return true
            case BinaryWireFormat.presentTag:
                payloadStart = slot.valueStart + 1
                return false
            default:
                throw WireError(.malformed, "presence byte is \(tag), not 0 or 1")
            }
        }
    }

    mutating func decodeWrapped<Wrapped: Decodable>(_ type: Wrapped.Type) throws -> Wrapped {
        let end = state.frames[frame].end
        if let primitive = BinaryPrimitive.of(Wrapped.self) {
            var position = payloadStart
            let value = try primitive.read(type, state.input, at: &position, end: end)
            state.frames[frame].consumedEnd = position
            return value
        }
        let mark = state.frames.count
        let payload = try state.pushFrame(
            parent: frame, component: .none, kind: state.frames[frame].kind, start: payloadStart, end: end,
            presence: .spent)
        let value = try state.decodeFromSlot(type, frame: payload, isHandedOn: false)
        state.frames[frame].consumedEnd = state.frames[payload].consumedEnd
        state.popFrames(to: mark)
        return value
    }
}
