import FabricCore
import MembershipCore

extension SWIMScenario {
    /// Runs the scenario (see the type's timeline) and returns its figures; an invariant failure
    /// ends the run early and is in `failure` (with the seed), the figures up to it.
    public func run() -> SWIMScenarioResult {
        if let reason = invalidity { preconditionFailure("invalid SWIM scenario: \(reason)") }
        let configuration = self.configuration
        let period = configuration.probeInterval
        let bounds = SWIMBounds(configuration: configuration, members: members + 1)
        var engine = SimulationConfiguration()
        engine.resumeOrder = resumeOrder
        let simulation = SWIMCluster.simulation(
            seed: seed, members: members, configuration: configuration, seeds: seeds, simulation: engine)
        simulation.network.loss = loss
        // The view scans are O(n²) look-ups: every period for tens of members, every 33 at 1,000
        // (the events are checked as they come either way).
        SWIMCluster.addInvariants(
            to: simulation, bounds: bounds, scanEvery: period * max(1, members / 30), falseDeclarations: strict)
        let log = SWIMScenarioLog(members: members)
        simulation.onObserve = { [unowned simulation] event, observer, time in
            log.observe(event, from: observer, at: time, in: simulation)
        }
        var choices = SeededRandom(seed: seed ^ 0x5C3A_A210_9E37_79B9)
        let origin = simulation.configuration.origin
        let end = origin + period * periods
        let tail: Duration = bounds.suspicionMaximum + period * 20
        let halfway: Instant = origin + period * (periods / 2)
        let tailStart: Instant = max(halfway, end + (Duration.zero - tail))
        simulation.at(tailStart.duration(since: origin)) { $0.network.loss = 0 }

        var result = SWIMScenarioResult(scenario: self)
        result.period = period
        var window = (start: origin, sent: 0, bytes: 0)
        do {
            // 1. Warm-up.
            let warmupEnd = origin + period * max(1, periods / 3)
            while simulation.time < warmupEnd, !log.known.allSatisfy({ $0 == members - 1 }) {
                try simulation.run(for: period)
            }
            if log.known.allSatisfy({ $0 == members - 1 }) { result.warmup = simulation.time.duration(since: origin) }
            result.warmupComplete = log.known.filter { $0 == members - 1 }.count
            window = (simulation.time, simulation.figures.total.messagesSent, simulation.figures.total.bytesSent)

            // 2. Dissemination of a join.
            let joiner = SWIMCluster.member(members)
            log.joiner = joiner
            simulation.addNode(joiner)
            let disseminationCap: Duration = period * max(30, 9 * members.bitWidthLog2)
            try simulation.run(until: min(tailStart, simulation.time + disseminationCap))
            if let first = log.joinFirstKnown, let last = log.joinAllKnown { result.dissemination = last.duration(since: first) }
            result.disseminatedTo = log.joinKnownBy.count

            // 3. Detection of a crash.
            try simulation.run(until: min(tailStart, simulation.time + period))
            let seedCount = min(seeds, members - 1)
            let victim = SWIMCluster.member(seedCount + Int(choices.next() % UInt64(members - seedCount)))
            log.victim = victim
            log.crashedAt = simulation.time
            log.recordHolders(of: victim, in: simulation)
            simulation.crash(victim)
            try simulation.run(until: min(tailStart, simulation.time + bounds.detectionBound))

            // 4. Slow members and pauses, then the tail.
            if slowMembers > 0 {
                slowDown(in: simulation, log: log, until: tailStart, victim: victim, random: &choices)
            }
            if pauseMilliseconds > 0 {
                schedulePauses(in: simulation, log: log, until: tailStart, victim: victim, random: &choices)
            }
            try simulation.run(until: end)
            try simulation.finish()
        } catch {
            result.failure = error
        }
        fill(&result, log: log, simulation: simulation, window: window)
        return result
    }

    /// `pauses` distinct random members (not the crashed one), each paused once for
    /// `pauseMilliseconds` at a uniform time between now and `until` minus the pause.
    func schedulePauses(
        in simulation: Simulation<SWIMSimulatedNode>, log: SWIMScenarioLog, until: Instant, victim: NodeId,
        random: inout SeededRandom
    ) {
        let length = Duration.milliseconds(Int64(pauseMilliseconds))
        let now = simulation.time
        guard until > now + length else { return }
        let span = UInt64(until.duration(since: now + length).nanoseconds)
        var candidates = simulation.nodeIDs.filter { $0 != victim && !log.slow.contains($0) }
        for index in 0..<min(pauses, candidates.count) {
            candidates.swapAt(index, index + Int(random.next() % UInt64(candidates.count - index)))
            let member = candidates[index]
            let at = now + .nanoseconds(Int64(random.next() % max(1, span)))
            simulation.at(at.duration(since: simulation.configuration.origin)) { simulation in
                guard simulation.faults.status(of: member) == .up else { return }
                log.pausedEver.insert(member)
                simulation.pause(member)
                simulation.after(length) { if $0.faults.status(of: member) == .paused { $0.resume(member) } }
            }
        }
    }

    /// `slowMembers` random members (not the crashed one) get `slowMilliseconds` of latency and
    /// as much jitter, each way, on every link of theirs (the run's loss too) until `until`.
    func slowDown(
        in simulation: Simulation<SWIMSimulatedNode>, log: SWIMScenarioLog, until: Instant, victim: NodeId,
        random: inout SeededRandom
    ) {
        var candidates = simulation.nodeIDs.filter { $0 != victim }
        let delay = Duration.milliseconds(Int64(slowMilliseconds))
        let slowLink = LinkConditions(latency: delay, jitter: delay, loss: loss)
        var chosen: [NodeId] = []
        for index in 0..<min(slowMembers, candidates.count) {
            candidates.swapAt(index, index + Int(random.next() % UInt64(candidates.count - index)))
            chosen.append(candidates[index])
        }
        let everyone = simulation.nodeIDs
        for member in chosen {
            log.slow.insert(member)
            for other in everyone where other != member { simulation.setLinks(between: member, and: other, slowLink) }
        }
        simulation.at(until.duration(since: simulation.configuration.origin)) { simulation in
            for member in chosen {
                for other in everyone where other != member { simulation.setLinks(between: member, and: other, nil) }
            }
        }
    }

    /// The figures from the log, the engine and the cores.
    func fill(
        _ result: inout SWIMScenarioResult, log: SWIMScenarioLog, simulation: Simulation<SWIMSimulatedNode>,
        window: (start: Instant, sent: Int, bytes: Int)
    ) {
        result.falsePositives = log.falsePositives
        result.pauseDeclarations = log.pauseDeclarations
        result.pausesDone = log.pausedEver.count
        result.slowDeclarations = log.slowDeclarations
        result.falsePositiveExamples = log.falsePositiveExamples
        result.suspicions = log.suspicions.count
        result.suspectEvents = log.suspectEvents
        for index in simulation.nodeIDs.indices {
            guard let node = simulation.node(at: index) else { continue }
            result.refutations += node.core.counters.refutations
        }
        if let crashedAt = log.crashedAt {
            result.detection.firstSuspicion = log.firstSuspicion?.duration(since: crashedAt)
            let times = log.declaredAt.values.map { $0.duration(since: crashedAt) }.sorted()
            result.detection.knownBy = times.count
            result.detection.of = log.holders.filter { simulation.faults.status(of: $0) != .crashed }.count
            result.detection.first = times.first
            if !times.isEmpty { result.detection.median = times[times.count / 2] }
            if times.count == result.detection.of { result.detection.all = times.last }
        }
        let figures = simulation.figures
        result.events = figures.eventsProcessed
        result.simulated = figures.simulatedTime
        let windowPeriods = Double(simulation.time.duration(since: window.start).nanoseconds)
            / Double(result.period.nanoseconds)
        if windowPeriods > 0 {
            let memberPeriods = windowPeriods * Double(members)
            result.messagesPerMemberPerPeriod = Double(figures.total.messagesSent - window.sent) / memberPeriods
            result.bytesPerMemberPerPeriod = Double(figures.total.bytesSent - window.bytes) / memberPeriods
        }
    }
}

extension Int {
    /// ceil(log2(self)) for self ≥ 1.
    var bitWidthLog2: Int { self <= 1 ? 0 : Int.bitWidth - (self - 1).leadingZeroBitCount }
}
