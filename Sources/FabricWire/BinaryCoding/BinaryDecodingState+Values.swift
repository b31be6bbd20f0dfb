/// Reading values out of slots where that calls into the values' own `init(from:)`.
extension BinaryDecodingState {
    // MARK: Top level

    /// Decodes a `T` that must use the whole input.
    func decodeTopLevel<T: Decodable>(_ type: T.Type) throws -> T {
        let storage = self.storage
        let frame = try storage.pointee.pushFrame(
            parent: -1, component: .none, kind: .topLevel, start: 0, end: input.count,
            presence: input.isEmpty ? .nilValue : .value)
        let value = try decodeFromSlot(type, frame: frame, isHandedOn: false)
        let consumed = storage.pointee.frames[frame].consumedEnd
        guard consumed == input.count else {
            throw WireError(.trailingBytes, "\(input.count - consumed) bytes left after \(T.self)")
        }
        storage.pointee.popFrames(to: 0)
        return value
    }

    // MARK: Slots

    /// Decodes a `T` from the slot of `frame`. `isHandedOn` is set when a single value
    /// container hands the slot on to `T`'s own `init(from:)`, which then gets a frame of its
    /// own (so nesting through single values is counted against the depth limit).
    func decodeFromSlot<T: Decodable>(_ type: T.Type, frame: Int, isHandedOn: Bool) throws -> T {
        let storage = self.storage
        if let primitive = BinaryPrimitive.of(T.self) {
            return try storage.pointee.readPrimitive(type, primitive, frame: frame)
        }
        if BinaryOptionalDetection.isOptional(T.self) {
            var visitor = SlotOptionalDecodingVisitor(state: self, frame: frame)
            return try BinaryOptionalDetection.decode(type, with: &visitor)
        }
        guard isHandedOn else {
            return try T(from: BinaryValueDecoder(state: self, frame: frame))
        }
        let mark = storage.pointee.frames.count
        let slot = storage.pointee.frames[frame]
        let delegate = try storage.pointee.pushFrame(
            parent: frame, component: .none, kind: slot.kind, start: slot.valueStart, end: slot.end,
            presence: slot.presence)
        let value = try T(from: BinaryValueDecoder(state: self, frame: delegate))
        storage.pointee.frames[frame].consumedEnd = storage.pointee.frames[delegate].consumedEnd
        storage.pointee.popFrames(to: mark)
        return value
    }
}

extension BinaryDecodingStorage {
    /// Reads a fast-path value from the slot of `frame`.
    mutating func readPrimitive<T>(_ type: T.Type, _ primitive: BinaryPrimitive, frame: Int) throws(WireError) -> T {
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
        let storage = state.storage
        let slot = storage.pointee.frames[frame]
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
                storage.pointee.frames[frame].consumedEnd = slot.valueStart + 1
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
        let storage = state.storage
        let end = storage.pointee.frames[frame].end
        if let primitive = BinaryPrimitive.of(Wrapped.self) {
            var position = payloadStart
            let value = try primitive.read(type, state.input, at: &position, end: end)
            storage.pointee.frames[frame].consumedEnd = position
            return value
        }
        let mark = storage.pointee.frames.count
        let payload = try storage.pointee.pushFrame(
            parent: frame, component: .none, kind: storage.pointee.frames[frame].kind, start: payloadStart, end: end,
            presence: .spent)
        let value = try state.decodeFromSlot(type, frame: payload, isHandedOn: false)
        storage.pointee.frames[frame].consumedEnd = storage.pointee.frames[payload].consumedEnd
        storage.pointee.popFrames(to: mark)
        return value
    }
}
