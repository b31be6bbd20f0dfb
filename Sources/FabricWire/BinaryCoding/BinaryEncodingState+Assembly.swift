/// Turning appended content plus nodes into the final bytes: sizes are computed from the
/// innermost nodes outwards, then every header is inserted.
extension BinaryEncodingState {
    /// Completes the encoding and hands the buffer back to the caller.
    func finish(into buffer: inout [UInt8]) throws(WireError) {
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
    }

    /// Gives the caller's buffer back as it was, after a failure.
    func abandon(into buffer: inout [UInt8]) {
        bytes.removeSubrange(base...)
        swap(&bytes, &buffer)
    }

    // MARK: Sizes

    private func computeSizes() throws(WireError) {
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
        var size = 0
        HeaderFields(node).forEachVarint { size += BinaryWireFormat.varintSize($0) }
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
        HeaderFields(node).forEachVarint { value in
            offset += BinaryWireFormat.storeVarint(value, at: pointer + offset)
        }
        precondition(offset == node.headerSize, "header of \(offset) bytes, \(node.headerSize) computed")
        return offset
    }

    // MARK: Output

    /// In-order mode: every node's content is contiguous and in output order, so headers are
    /// inserted by one backward pass that moves each stretch of content once.
    private func insertHeadersInPlace() {
        let rawEnd = bytes.count
        let total = base + nodes[0].headerSize + nodes[0].contentSize
        guard total > rawEnd else { return }
        bytes.append(contentsOf: repeatElement(0, count: total - rawEnd))
        bytes.withUnsafeMutableBytes { buffer in
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
    }

    /// Reordered mode: copies every node's pieces, in order, into a new buffer.
    private func gatherPieces() {
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

/// The varints of a container header, in order (the value code of an entry comes before them).
private struct HeaderFields {
    let node: BinaryEncodingNode

    init(_ node: BinaryEncodingNode) { self.node = node }

    func forEachVarint(_ body: (UInt64) -> Void) {
        switch node.role {
        case .region:
            return
        case .keyed:
            body(BinaryWireFormat.containerHeader(count: node.count, kind: BinaryWireFormat.keyedKind))
        case .unkeyed:
            if node.leadingUntagged < 0 {
                body(BinaryWireFormat.containerHeader(count: node.count, kind: BinaryWireFormat.unkeyedDenseKind))
            } else {
                body(BinaryWireFormat.containerHeader(count: node.count, kind: BinaryWireFormat.unkeyedTaggedKind))
                body(UInt64(node.leadingUntagged))
            }
        }
        body(UInt64(node.contentSize))
    }
}
