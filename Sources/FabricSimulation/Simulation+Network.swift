import FabricCore

extension Simulation {
    // MARK: Shaping the network

    /// Overrides the conditions of the directed link `sender → destination` (nil: back to `network`).
    public func setLink(from sender: NodeId, to destination: NodeId, _ conditions: LinkConditions?) {
        let key = SimulationFaultState.linkKey(index(of: sender), index(of: destination))
        linkOverrides[key] = conditions
    }

    /// Overrides both directions between `a` and `b`.
    public func setLinks(between a: NodeId, and b: NodeId, _ conditions: LinkConditions?) {
        setLink(from: a, to: b, conditions)
        setLink(from: b, to: a, conditions)
    }

    /// Splits the network into `groups` (symmetric: no message crosses between groups, in either
    /// direction); nodes in no group form one more group together. Replaces any earlier partition
    /// (cuts stay).
    public func partition(_ groups: [NodeId]...) { partition(groups) }

    /// `partition(_:)` with the groups as an array.
    public func partition(_ groups: [[NodeId]]) {
        faults.partition(groups.map { $0.map(index(of:)) }, at: time)
        record(.partition, node: -1, value: UInt64(groups.count))
    }

    /// Cuts `node` off from everyone else, both ways.
    public func isolate(_ node: NodeId) { partition([node]) }

    /// Blocks the direction `sender → destination` only: `destination` still reaches `sender`.
    public func cut(from sender: NodeId, to destination: NodeId) {
        let from = index(of: sender), to = index(of: destination)
        faults.cut(from: from, to: to, at: time)
        record(.cut, node: from, peer: to)
    }

    /// Restores the direction `sender → destination` after `cut(from:to:)`.
    public func restore(from sender: NodeId, to destination: NodeId) {
        faults.restore(from: index(of: sender), to: index(of: destination), at: time)
    }

    /// Ends every partition and cut (link overrides stay).
    public func heal() {
        faults.heal(at: time)
        record(.heal, node: -1)
    }

    /// The index of a node of this run; another name is a bug in the harness.
    @usableFromInline
    func index(of node: NodeId) -> Int {
        guard let index = faults.index(of: node) else { preconditionFailure("\(node) is not a node of this simulation") }
        return index
    }

    // MARK: Carrying messages

    /// A uniform draw in [0, 1) with 53 bits (the same on every platform).
    @inlinable @inline(__always)
    func unitDraw() -> Double { Double(networkRandom.next() >> 11) * 0x1p-53 }

    /// Puts a message from `index` on the network, or drops it, and counts it.
    @inlinable
    func send(_ message: Node.Message, from index: Int, to destinationID: NodeId, bytes: Int) {
        slots[index].traffic.messagesSent += 1
        slots[index].traffic.bytesSent += bytes
        total.messagesSent += 1
        total.bytesSent += bytes
        guard let destination = faults.index(of: destinationID) else {
            drop(from: index, to: -1, bytes: bytes, .unknownDestination)
            return
        }
        record(.send, node: index, peer: destination, value: UInt64(max(0, bytes)))
        let key = SimulationFaultState.linkKey(index, destination)
        let conditions = linkOverrides.isEmpty ? network : linkOverrides[key] ?? network
        guard faults.canDeliver(from: index, to: destination) else {
            drop(from: index, to: destination, bytes: bytes, .partition)
            return
        }
        if conditions.loss > 0, unitDraw() < conditions.loss {
            drop(from: index, to: destination, bytes: bytes, .loss)
            return
        }
        if conditions.duplication > 0, unitDraw() < conditions.duplication {
            slots[index].traffic.messagesDuplicated += 1
            slots[index].traffic.bytesDuplicated += bytes
            total.messagesDuplicated += 1
            total.bytesDuplicated += bytes
            record(.duplicate, node: index, peer: destination, value: UInt64(max(0, bytes)))
            put(message, from: index, to: destination, bytes: bytes, conditions, key: key)
        }
        put(message, from: index, to: destination, bytes: bytes, conditions, key: key)
    }

    /// Stores one copy in flight and queues its arrival after the link's delay.
    @inlinable
    func put(_ message: Node.Message, from index: Int, to destination: Int, bytes: Int, _ conditions: LinkConditions, key: UInt64) {
        guard inFlightCount < Limits.simulationInFlightMessagesMax else {
            drop(from: index, to: destination, bytes: bytes, .inFlightLimit)
            return
        }
        var delay = UInt64(conditions.latency.nanoseconds)
        let jitter = UInt64(conditions.jitter.nanoseconds)
        if jitter > 0 { delay &+= networkRandom.next().multipliedFullWidth(by: jitter &+ 1).high }
        var arrival = clock &+ delay
        if conditions.preservesOrder {
            arrival = max(arrival, linkLastArrival[key] ?? 0)
            linkLastArrival[key] = arrival
        }
        let meta = InFlightMeta(
            sender: Int32(index), destination: Int32(destination), bytes: bytes, life: slots[destination].life,
            held: false)
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = Int(free)
            inFlightMessages[slot] = message
            inFlightMeta[slot] = meta
        } else {
            slot = inFlightMessages.count
            inFlightMessages.append(message)
            inFlightMeta.append(meta)
        }
        inFlightCount += 1
        push(.delivery, at: arrival, node: destination, payload: UInt64(slot))
    }

    /// A message reached its destination's host: deliver it, hold it for a paused node, or drop it.
    @inlinable
    func arrive(slot: Int, at index: Int) {
        let meta = inFlightMeta[slot]
        let sender = Int(meta.sender)
        if meta.life != slots[index].life || faults.status(at: index) == .crashed {
            release(slot)
            drop(from: sender, to: index, bytes: meta.bytes, .crashed)
            return
        }
        if !meta.held, !faults.canDeliver(from: sender, to: index) {
            release(slot)
            drop(from: sender, to: index, bytes: meta.bytes, .partition)
            return
        }
        if faults.status(at: index) == .paused {
            guard slots[index].inbox.count < Limits.simulationPausedInboxMessagesMax else {
                release(slot)
                drop(from: sender, to: index, bytes: meta.bytes, .pausedInboxFull)
                return
            }
            inFlightMeta[slot].held = true
            slots[index].inbox.append(UInt32(slot))
            record(.hold, node: index, peer: sender, value: UInt64(slots[index].inbox.count))
            return
        }
        let message = inFlightMessages[slot].take()!
        release(slot)
        slots[index].traffic.messagesDelivered += 1
        slots[index].traffic.bytesDelivered += meta.bytes
        total.messagesDelivered += 1
        total.bytesDelivered += meta.bytes
        record(.deliver, node: index, peer: sender, value: UInt64(max(0, meta.bytes)))
        receive(message, from: sender, at: index)
    }

    /// Frees an in-flight slot (its message, if still there, is released).
    @inlinable
    func release(_ slot: Int) {
        inFlightMessages[slot] = nil
        freeSlots.append(UInt32(slot))
        inFlightCount -= 1
    }

    /// Counts a dropped message against its sender.
    @inlinable
    func drop(from sender: Int, to destination: Int, bytes: Int, _ reason: SimulationDropReason) {
        slots[sender].traffic.messagesDropped += 1
        slots[sender].traffic.bytesDropped += bytes
        total.messagesDropped += 1
        total.bytesDropped += bytes
        drops[Int(reason.rawValue)] += 1
        record(.drop, node: sender, peer: destination, value: UInt64(reason.rawValue))
    }
}
