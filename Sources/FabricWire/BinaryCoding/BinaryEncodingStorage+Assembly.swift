/// Turning appended content plus nodes into the final bytes: sizes are computed from the
/// innermost nodes outwards, then every header is inserted.
extension BinaryEncodingStorage {
    /// Completes the encoding and hands the buffer back to the caller.
    mutating func finish(into buffer: inout [UInt8]) throws(WireError) {
        if let error = deferredError { throw error }
        if isReordered {
            closeOpenPiece()
        } else {
            var open = currentNode
            while open >= 0 {
                nodes[open].end = bytes.count
                nodes[open].isOpen = false
                open = nodes[open].parent
            }
        }
        try computeSizes()
        if isReordered {
            gatherPieces()
        } else {
            insertHeadersInPlace()
        }
        swap(&bytes, &buffer)
        frames.removeAll(keepingCapacity: true)  // containers kept by user code are now stale
    }

    /// Gives the caller's buffer back as it was, after a failure.
    mutating func abandon(into buffer: inout [UInt8]) {
        bytes.removeSubrange(base...)
        swap(&bytes, &buffer)
        frames.removeAll(keepingCapacity: true)  // containers kept by user code are now stale
    }

    // MARK: Sizes

    private mutating func computeSizes() throws(WireError) {
        // Children always have larger indices than their parents.
        for node in nodes.indices.reversed() {
            if isReordered {
                var piece = nodes[node].firstPiece
                while piece >= 0 {
                    let child = pieces[piece].child
                    if child < 0 {
                        nodes[node].contentSize += pieces[piece].end - pieces[piece].start
                    } else {
                        nodes[node].contentSize += nodes[child].headerSize + nodes[child].contentSize
                    }
                    piece = pieces[piece].next
                }
            } else {
                // Children already added the header bytes inside them to `contentSize`.
                nodes[node].contentSize += nodes[node].end - nodes[node].start
            }
            (nodes[node].headerSize, nodes[node].valueCode) = try header(of: nodes[node])
            let parent = nodes[node].parent
            if !isReordered, parent >= 0 {
                // The parent's span covers this node's raw content but none of the headers in it.
                let rawSpan = nodes[node].end - nodes[node].start
                nodes[parent].contentSize += nodes[node].headerSize + nodes[node].contentSize - rawSpan
            }
        }
    }

    /// Header bytes of `node` and, for an entry's value, its value code.
    private func header(of node: BinaryEncodingNode) throws(WireError) -> (size: Int, valueCode: UInt64) {
        if node.role == .unkeyed, node.count > node.contentSize {
            throw WireError(.unsupported,
                "an unkeyed container holds \(node.count) elements in \(node.contentSize) bytes: elements must encode to at least one byte")
        }
        let size = ContainerHeaderFields(node).size
        guard node.isEntryValue else { return (size, 0) }
        let valueCode = node.isNilValue ? BinaryWireFormat.nilValueCode : UInt64(size + node.contentSize + 1)
        return (size + BinaryWireFormat.varintSize(valueCode), valueCode)
    }

    /// Writes `node`'s header at `pointer`, returning its size.
    private func storeHeader(of node: BinaryEncodingNode, at pointer: UnsafeMutableRawPointer) -> Int {
        var offset = 0
        if node.isEntryValue {
            offset += BinaryWireFormat.storeVarint(node.valueCode, at: pointer)
        }
        offset += ContainerHeaderFields(node).store(at: pointer + offset)
        precondition(offset == node.headerSize, "header of \(offset) bytes, \(node.headerSize) computed")
        return offset
    }

    // MARK: Output

    /// In-order mode: every node's content is contiguous and in output order, so headers are
    /// inserted by one backward pass that moves each stretch of content once.
    private mutating func insertHeadersInPlace() {
        let rawEnd = bytes.count
        let total = base + nodes[0].headerSize + nodes[0].contentSize
        guard total > rawEnd else { return }
        var output: [UInt8] = []
        swap(&output, &bytes)
        output.append(contentsOf: repeatElement(0, count: total - rawEnd))
        output.withUnsafeMutableBytes { buffer in
            let origin = buffer.baseAddress!
            var readEnd = rawEnd
            var writeEnd = total
            for node in nodes.indices.reversed() {
                let start = nodes[node].start
                let length = readEnd - start
                writeEnd -= length
                if writeEnd != start, length > 0 {
                    (origin + writeEnd).copyMemory(from: origin + start, byteCount: length)
                }
                readEnd = start
                writeEnd -= nodes[node].headerSize
                _ = storeHeader(of: nodes[node], at: origin + writeEnd)
            }
            precondition(writeEnd == readEnd, "header insertion ended at \(writeEnd), content at \(readEnd)")
        }
        swap(&output, &bytes)
    }

    /// Reordered mode: copies every node's pieces, in order, into a new buffer.
    private mutating func gatherPieces() {
        let total = base + nodes[0].headerSize + nodes[0].contentSize
        let output = [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            let origin = buffer.baseAddress!
            bytes.withUnsafeBytes { raw in
                UnsafeMutableRawPointer(origin).copyMemory(from: raw.baseAddress!, byteCount: base)
                initialized = gather(node: 0, from: raw, to: UnsafeMutableRawPointer(origin), at: base)
            }
            precondition(initialized == total, "gathered \(initialized) bytes, computed \(total)")
        }
        bytes = output
    }

    private func gather(node: Int, from raw: UnsafeRawBufferPointer, to output: UnsafeMutableRawPointer, at offset: Int) -> Int {
        var position = offset + storeHeader(of: nodes[node], at: output + offset)
        var piece = nodes[node].firstPiece
        while piece >= 0 {
            let child = pieces[piece].child
            if child < 0 {
                let length = pieces[piece].end - pieces[piece].start
                (output + position).copyMemory(from: raw.baseAddress! + pieces[piece].start, byteCount: length)
                position += length
            } else {
                position = gather(node: child, from: raw, to: output, at: position)
            }
            piece = pieces[piece].next
        }
        return position
    }
}

/// The varints of a node's container header, in order (an entry's value code comes before
/// them): the count and kind, the leading untagged elements (unkeyed with nils), the body length.
private struct ContainerHeaderFields {
    private var values: (UInt64, UInt64, UInt64) = (0, 0, 0)
    private var count = 0

    init(_ node: BinaryEncodingNode) {
        let body = UInt64(node.contentSize)
        switch node.role {
        case .region:
            break
        case .keyed:
            values = (BinaryWireFormat.containerHeader(count: node.count, kind: BinaryWireFormat.keyedKind), body, 0)
            count = 2
        case .unkeyed where node.leadingUntagged < 0:
            values = (BinaryWireFormat.containerHeader(count: node.count, kind: BinaryWireFormat.unkeyedDenseKind), body, 0)
            count = 2
        case .unkeyed:
            values = (BinaryWireFormat.containerHeader(count: node.count, kind: BinaryWireFormat.unkeyedTaggedKind),
                      UInt64(node.leadingUntagged), body)
            count = 3
        }
    }

    /// Bytes the fields take.
    var size: Int {
        guard count > 0 else { return 0 }
        let third = count > 2 ? BinaryWireFormat.varintSize(values.2) : 0
        return BinaryWireFormat.varintSize(values.0) + BinaryWireFormat.varintSize(values.1) + third
    }

    /// Writes the fields at `pointer`, returning their size.
    func store(at pointer: UnsafeMutableRawPointer) -> Int {
        guard count > 0 else { return 0 }
        var offset = BinaryWireFormat.storeVarint(values.0, at: pointer)
        offset += BinaryWireFormat.storeVarint(values.1, at: pointer + offset)
        if count > 2 { offset += BinaryWireFormat.storeVarint(values.2, at: pointer + offset) }
        return offset
    }
}
