/// How `TimerWheel` places timers in slots, cascades them down the levels, finds the next
/// occupied slot, and stores its nodes.
// MARK: - Placing, cascading and collecting

extension TimerWheel {
    /// Links a node into the slot for its tick, relative to `currentTick` (which it is after).
    mutating func place(_ index: Int32) {
        let tick = nodes[Int(index)].tick
        precondition(tick > currentTick, "placing timer tick \(tick) not after current tick \(currentTick)")
        let distance = tick - currentTick
        if distance < UInt64(Self.level0SlotCount) {
            link(index, slot: Int(tick & UInt64(Self.level0SlotCount - 1)))
            return
        }
        var level = 1
        while level < Self.levelCount - 1, distance >= 1 << Self.shift(ofLevel: level + 1) { level += 1 }
        let placedTick = distance < Self.horizonTicks ? tick : currentTick + Self.horizonTicks - 1
        let slot = Int((placedTick >> Self.shift(ofLevel: level)) & UInt64(Self.upperSlotCount - 1))
        link(index, slot: Self.firstSlot(ofLevel: level) + slot)
    }

    /// Cascades the higher-level slots that start at `tick`, then takes out level 0's slot.
    mutating func processTick(_ tick: UInt64, into due: inout [DueTimer]) {
        for level in 1..<Self.levelCount {
            let shift = Self.shift(ofLevel: level)
            guard tick & ((1 << shift) - 1) == 0 else { break }
            let slot = Int((tick >> shift) & UInt64(Self.upperSlotCount - 1))
            redistribute(slot: Self.firstSlot(ofLevel: level) + slot, into: &due)
        }
        redistribute(slot: Int(tick & UInt64(Self.level0SlotCount - 1)), into: &due)
    }

    /// Empties a slot: timers due by now go to `due`, the others are placed again lower down.
    mutating func redistribute(slot: Int, into due: inout [DueTimer]) {
        var index = heads[slot]
        guard index >= 0 else { return }
        heads[slot] = -1
        occupancy[slot >> 6] &= ~(1 << UInt64(slot & 63))
        while index >= 0 {
            let next = nodes[Int(index)].next
            nodes[Int(index)].previous = -1
            nodes[Int(index)].next = -1
            if nodes[Int(index)].tick <= currentTick {
                appendDue(index, to: &due)
            } else {
                place(index)
            }
            index = next
        }
    }

    mutating func appendDue(_ index: Int32, to due: inout [DueTimer]) {
        nodes[Int(index)].location = Self.locationDue
        let node = nodes[Int(index)]
        due.append(DueTimer(
            token: Token(index: index, generation: node.generation),
            deadlineNanoseconds: node.deadlineNanoseconds, sequence: node.sequence))
    }

    /// The earliest tick at which a slot needs attention: level 0's next occupied slot, or the
    /// start of a higher level's next occupied slot (a cascade).
    func nextOccupiedTick() -> UInt64? {
        var best: UInt64? = nil
        let level0Mask = UInt64(Self.level0SlotCount - 1)
        let level0Start = Int((currentTick + 1) & level0Mask)
        if let distance = distanceToOccupied(firstSlot: 0, slotCount: Self.level0SlotCount, from: level0Start) {
            best = currentTick + 1 + UInt64(distance)
        }
        for level in 1..<Self.levelCount {
            let shift = Self.shift(ofLevel: level)
            let window = currentTick >> shift
            let start = Int((window + 1) & UInt64(Self.upperSlotCount - 1))
            let first = Self.firstSlot(ofLevel: level)
            guard let distance = distanceToOccupied(firstSlot: first, slotCount: Self.upperSlotCount, from: start)
            else { continue }
            let tick = (window + 1 + UInt64(distance)) << shift
            if best.map({ tick < $0 }) ?? true { best = tick }
        }
        return best
    }

    /// How many slots after `start` (circularly, within one level) the first occupied one is.
    func distanceToOccupied(firstSlot: Int, slotCount: Int, from start: Int) -> Int? {
        if let position = firstOccupied(from: firstSlot + start, to: firstSlot + slotCount) {
            return position - firstSlot - start
        }
        if let position = firstOccupied(from: firstSlot, to: firstSlot + start) {
            return position - firstSlot + slotCount - start
        }
        return nil
    }

    /// The first occupied slot in `lower..<upper` of the flat numbering.
    func firstOccupied(from lower: Int, to upper: Int) -> Int? {
        var position = lower
        while position < upper {
            let wordEnd = min((position | 63) + 1, upper)
            var bits = occupancy[position >> 6] >> UInt64(position & 63)
            let span = wordEnd - position
            if span < 64 { bits &= (1 << UInt64(span)) - 1 }
            if bits != 0 { return position + bits.trailingZeroBitCount }
            position = wordEnd
        }
        return nil
    }
}

// MARK: - Node storage

extension TimerWheel {
    mutating func allocateNode() -> Int32 {
        if freeHead >= 0 {
            let index = freeHead
            freeHead = nodes[Int(index)].next
            nodes[Int(index)].next = -1
            return index
        }
        precondition(nodes.count < Int(Int32.max), "timer wheel full: \(nodes.count) timers")
        nodes.append(Node(
            deadlineNanoseconds: 0, tick: 0, sequence: 0, work: nil, previous: -1, next: -1,
            location: Self.locationFree, generation: 0))
        return Int32(nodes.count - 1)
    }

    mutating func releaseNode(_ index: Int32) {
        nodes[Int(index)].work = nil
        nodes[Int(index)].generation &+= 1
        nodes[Int(index)].location = Self.locationFree
        nodes[Int(index)].previous = -1
        nodes[Int(index)].next = freeHead
        freeHead = index
        count -= 1
    }

    mutating func link(_ index: Int32, slot: Int) {
        let head = heads[slot]
        nodes[Int(index)].location = Int32(slot)
        nodes[Int(index)].previous = -1
        nodes[Int(index)].next = head
        if head >= 0 { nodes[Int(head)].previous = index }
        heads[slot] = index
        occupancy[slot >> 6] |= 1 << UInt64(slot & 63)
    }

    mutating func unlink(_ index: Int32) {
        let slot = Int(nodes[Int(index)].location)
        let previous = nodes[Int(index)].previous
        let next = nodes[Int(index)].next
        if previous >= 0 { nodes[Int(previous)].next = next } else { heads[slot] = next }
        if next >= 0 { nodes[Int(next)].previous = previous }
        if heads[slot] < 0 { occupancy[slot >> 6] &= ~(1 << UInt64(slot & 63)) }
    }
}
