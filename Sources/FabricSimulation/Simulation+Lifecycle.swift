import FabricCore

extension Simulation {
    /// Stops `node` like `SIGSTOP`: it keeps its state and runs nothing; messages to it wait in
    /// its inbox and its timers that come due are remembered, until `resume`.
    public func pause(_ node: NodeId) {
        let index = index(of: node)
        precondition(faults.status(at: index) == .up, "pause \(node): it is \(faults.status(at: index)), not up")
        faults.setStatus(.paused, at: index, instant: time)
        record(.pause, node: index)
    }

    /// Lets a paused node run again: it sees the held messages in arrival order and is woken once
    /// for the timers that came due, in `configuration.resumeOrder`.
    public func resume(_ node: NodeId) {
        let index = index(of: node)
        precondition(faults.status(at: index) == .paused, "resume \(node): it is \(faults.status(at: index)), not paused")
        faults.setStatus(.up, at: index, instant: time)
        let held = slots[index].inbox
        slots[index].inbox.removeAll()
        record(.resume, node: index, value: UInt64(held.count))
        let life = slots[index].life
        // A node paused before it started starts first, whatever the order: nothing reaches a
        // node before its start.
        let wakeFirst = configuration.resumeOrder == .timersFirst || slots[index].startPending
        if wakeFirst { push(.resumeWake, at: clock, node: index, payload: life) }
        for slot in held { push(.delivery, at: clock, node: index, payload: UInt64(slot)) }
        if !wakeFirst { push(.resumeWake, at: clock, node: index, payload: life) }
    }

    /// Kills `node`: its state, the messages held for it and every message in flight to it are
    /// lost; its timers never fire. It stays down until `restart`.
    public func crash(_ node: NodeId) {
        let index = index(of: node)
        precondition(faults.status(at: index) != .crashed, "crash \(node): it is crashed already")
        faults.setStatus(.crashed, at: index, instant: time)
        if let onCrash, let last = nodes[index] { onCrash(node, last) }
        nodes[index] = nil
        slots[index].life &+= 1
        slots[index].timerToken &+= 1
        slots[index].scheduledDeadline = .max
        slots[index].overdue = false
        slots[index].startPending = false
        let held = slots[index].inbox
        slots[index].inbox.removeAll()
        record(.crash, node: index, value: UInt64(held.count))
        for slot in held {
            let meta = inFlightMeta[Int(slot)]
            release(Int(slot))
            drop(from: Int(meta.sender), to: index, bytes: meta.bytes, .crashed)
        }
    }

    /// Makes a crashed node again from the factory, with the next generation and a fresh random
    /// stream, and starts it now (it joins again as its protocol does).
    public func restart(_ node: NodeId) {
        let index = index(of: node)
        precondition(faults.status(at: index) == .crashed, "restart \(node): it is \(faults.status(at: index)), not crashed")
        let generation = faults.nextGeneration(at: index)
        faults.setStatus(.up, at: index, instant: time)
        beginLife(of: index, generation: generation)
    }
}
