import FabricCore

/// Lifeguard §IV-B dynamic suspicion and §IV-A local health.
extension MembershipCore {
    /// The suspicion timeout's bounds for the current view size n and the confirmations K
    /// expected: min = α·max(1, log10 n)·probeInterval, max = β·min, K = min(configured, n − 2).
    /// Plain SWIM (Lifeguard off): min = max, K = 0.
    func suspicionBounds() -> (minimum: Duration, maximum: Duration, expected: Int) {
        let n = entries.count
        let scale = max(1.0, StableMath.log10(Double(max(n, 1))))
        let minimum = StableMath.scale(configuration.probeInterval * configuration.suspicionMultiplier, by: scale)
        guard configuration.lifeguard else { return (minimum, minimum, 0) }
        let maximum = minimum * configuration.suspicionMaxTimeoutMultiplier
        let expected = min(configuration.suspicionConfirmationsExpected, max(0, n - 2))
        return (minimum, maximum, expected)
    }

    /// Lifeguard §IV-B: max − (max − min)·ln(c + 1)/ln(K + 1), never below min; min when K < 1.
    public static func suspicionTimeout(
        minimum: Duration, maximum: Duration, expected: Int, confirmations: Int
    ) -> Duration {
        guard expected >= 1, maximum > minimum else { return minimum }
        let fraction = StableMath.naturalLog(Double(max(0, confirmations) + 1))
            / StableMath.naturalLog(Double(expected + 1))
        let timeout = maximum - StableMath.scale(maximum - minimum, by: fraction)
        return timeout < minimum ? minimum : timeout
    }

    /// Starts (or restarts, at a higher incarnation) the suspicion of an entry, `reporter` its first confirmer.
    mutating func startSuspicion(_ entry: inout Entry, reporter: NodeId, now: Instant) {
        counters.suspicionsStarted += 1
        let bounds = suspicionBounds()
        let timeout = Self.suspicionTimeout(
            minimum: bounds.minimum, maximum: bounds.maximum, expected: bounds.expected, confirmations: 0)
        let deadline = now + timeout
        entry.suspicion = Suspicion(
            startedAt: now, deadline: deadline, minimum: bounds.minimum, maximum: bounds.maximum,
            expected: bounds.expected, confirmers: [reporter])
        timers.push(.suspicion(entry.member.node), at: deadline)
        let node = entry.member.node
        if reporter != me.node, configuration.lifeguard, configuration.probesSuspectsEarly,
            earlyProbes.count < Limits.earlySuspectProbesMax, !earlyProbes.contains(node)
        {
            earlyProbes.append(node)
        }
    }

    /// An independent confirmation (a distinct reporter of the same suspicion) shortens the
    /// timeout and is re-gossiped with its reporter so others count it too (Lifeguard §IV-B).
    /// Past K confirmations, repeats and Lifeguard off: counted as stale.
    mutating func confirmSuspicion(_ entry: inout Entry, by reporter: NodeId, now: Instant) {
        guard configuration.lifeguard, var suspicion = entry.suspicion, suspicion.expected >= 1,
            suspicion.confirmers.count <= suspicion.expected, !suspicion.confirmers.contains(reporter)
        else {
            counters.updatesStale += 1
            return
        }
        suspicion.confirmers.append(reporter)
        counters.suspicionConfirmations += 1
        let timeout = Self.suspicionTimeout(
            minimum: suspicion.minimum, maximum: suspicion.maximum, expected: suspicion.expected,
            confirmations: suspicion.confirmers.count - 1)
        suspicion.deadline = suspicion.startedAt + timeout
        entry.suspicion = suspicion
        timers.push(.suspicion(entry.member.node), at: suspicion.deadline)
        queue.enqueue(MemberUpdate(member: entry.member, reporter: reporter))
    }

    /// The suspicion was not refuted in time: the member is unreachable (SWIM §4.2's "confirm").
    mutating func suspicionTimedOut(_ node: NodeId, now: Instant, into out: inout [MembershipDirective]) {
        guard var entry = entries[node], entry.member.status == .suspect else { return }
        var unreachable = entry.member
        unreachable.status = .unreachable
        counters.suspicionsTimedOut += 1
        transition(&entry, to: unreachable, reporter: me.node, gossip: true, now: now, into: &out)
        entries[node] = entry
    }

    /// Lifeguard §IV-A: moves local health by `delta`, kept in 0 ..< awarenessMax (always 0 with Lifeguard off).
    mutating func changeLocalHealth(by delta: Int) {
        guard configuration.lifeguard else { return }
        localHealth = min(configuration.awarenessMax - 1, max(0, localHealth + delta))
    }
}
