import FabricCore

/// The mutable state of one `BinaryDecoder.decode` call.
///
/// It lives behind a pointer held by `BinaryDecodingState`: stored properties of a class are
/// checked for exclusive access at run time on every access, which cost more than the decoding
/// itself; through a pointer (and inside `mutating` methods) the checks are static.
struct BinaryDecodingStorage {
    /// The input; only valid during the `decode` call.
    var input = UnsafeRawBufferPointer(start: nil, count: 0)
    var frames: [BinaryDecodingFrame] = []
    /// A failure noticed where the Codable API cannot throw (`allKeys`, `contains`), thrown
    /// when decoding ends.
    var deferredError: WireError?
    var nextSerial: UInt32 = 0

    init() {}

    // MARK: Frames

    /// Pushes a frame for a slot starting at `start` and returns its index.
    mutating func pushFrame(
        parent: Int, component: BinaryPathComponent, kind: BinaryDecodingFrame.Kind,
        start: Int, end: Int, presence: BinaryDecodingPresence
    ) throws(WireError) -> Int {
        let depth = parent >= 0 && parent < frames.count ? frames[parent].depth + 1 : 0
        guard depth <= Limits.codingDepthMax else {
            throw WireError(.limitExceeded, "values nested deeper than \(Limits.codingDepthMax) levels")
        }
        nextSerial &+= 1
        if nextSerial == 0 { nextSerial = 1 }  // 0 marks references that are never live
        frames.append(BinaryDecodingFrame(
            parent: parent, serial: nextSerial, component: component, kind: kind, valueStart: start,
            end: end, presence: presence, consumedEnd: start, depth: depth))
        return frames.count - 1
    }

    /// Drops the frames from `mark` on (those of a value whose `init(from:)` returned).
    @inline(__always)
    mutating func popFrames(to mark: Int) {
        if frames.count > mark { frames.removeSubrange(mark...) }
    }

    /// A reference to `frame` as it is now (one that is never live if there is no such frame).
    func reference(to frame: Int) -> BinaryFrameReference {
        guard frame >= 0, frame < frames.count else { return BinaryFrameReference(index: frame, serial: 0) }
        return BinaryFrameReference(index: frame, serial: frames[frame].serial)
    }

    /// Throws unless `reference` still names a live frame (a container used after its value's
    /// `init(from:)` returned would read someone else's slot).
    @inline(__always)
    func checkLive(_ reference: BinaryFrameReference) throws(WireError) {
        guard reference.index >= 0, reference.index < frames.count, frames[reference.index].serial == reference.serial else {
            throw BinaryFrameReference.staleError
        }
    }

    /// The coding path of `frame`.
    func codingPath(endingAt frame: Int) -> [any CodingKey] {
        BinaryCodingPath.keys(endingAt: min(frame, frames.count - 1)) { index in
            (frames[index].parent, frames[index].component)
        }
    }

    /// Remembers the first failure noticed where the API cannot throw.
    mutating func recordDeferred(_ error: WireError, at frame: Int) {
        if deferredError == nil { deferredError = error.withCodingPath( codingPath(endingAt: frame)) }
    }

    /// Ends the call: drops every frame (so containers kept by user code are stale) and the
    /// input.
    mutating func end() {
        frames.removeAll(keepingCapacity: true)
        input = UnsafeRawBufferPointer(start: nil, count: 0)
    }

    /// Where decoding stood when it failed: the innermost frame still on the stack (frames of
    /// values that threw are not popped).
    var failurePath: [any CodingKey]? {
        guard !frames.isEmpty else { return nil }
        return codingPath(endingAt: frames.count - 1)
    }

    // MARK: Containers

    /// Reads the header of a container at `position`, checking its counts against its body
    /// and its body against `end`.
    func readContainerHeader(at position: inout Int, end: Int) throws(WireError) -> BinaryContainerHeader {
        let first = try BinaryWireFormat.readVarint(input, at: &position, end: end)
        let kind = first & BinaryWireFormat.kindMask
        let count = first >> BinaryWireFormat.kindBitCount
        var leadingUntagged = count
        switch kind {
        case BinaryWireFormat.keyedKind, BinaryWireFormat.unkeyedDenseKind:
            break
        case BinaryWireFormat.unkeyedTaggedKind:
            leadingUntagged = try BinaryWireFormat.readVarint(input, at: &position, end: end)
            guard leadingUntagged < count else {
                throw WireError(.malformed, "an unkeyed container's \(count) elements cannot have \(leadingUntagged) before the first nil")
            }
        default:
            throw WireError(.malformed, "unknown container kind \(kind)")
        }
        let body = try BinaryWireFormat.readLength(
            input, at: &position, end: end, what: "a container's body")
        let isKeyed = kind == BinaryWireFormat.keyedKind
        let bytesPerItem = isKeyed ? UInt64(BinaryWireFormat.entryBytesMin) : 1
        guard count <= UInt64(body) / bytesPerItem else {
            throw WireError(.malformed, "a container claims \(count) \(isKeyed ? "entries" : "elements") in \(body) bytes")
        }
        return BinaryContainerHeader(
            isKeyed: isKeyed, count: Int(count), leadingUntagged: Int(leadingUntagged),
            bodyStart: position, bodyEnd: position + body)
    }

    /// The container in the slot of `frame`, read once and remembered.
    mutating func containerHeader(for frame: Int, keyed: Bool) throws(WireError) -> BinaryContainerHeader {
        let header: BinaryContainerHeader
        if let known = frames[frame].header {
            header = known
        } else {
            guard frames[frame].presence != .nilValue else {
                throw WireError(.typeMismatch, "expected a \(keyed ? "keyed" : "unkeyed") container, found nil")
            }
            var position = frames[frame].valueStart
            header = try readContainerHeader(at: &position, end: frames[frame].end)
            frames[frame].header = header
            frames[frame].consumedEnd = header.bodyEnd
            frames[frame].nextEntryPosition = header.bodyStart
        }
        guard header.isKeyed == keyed else {
            throw WireError(.typeMismatch,
                "expected a \(keyed ? "keyed" : "unkeyed") container, found a\(keyed ? "n unkeyed" : " keyed") one")
        }
        return header
    }
}

extension BinaryDecodingStorage: BinaryReusableStorage {
    mutating func clear(keepingCapacityUpTo limit: Int) -> Bool {
        guard frames.capacity <= limit else { return false }
        input = UnsafeRawBufferPointer(start: nil, count: 0)
        frames.removeAll(keepingCapacity: true)
        deferredError = nil
        nextSerial = 0
        return true
    }
}
