import FabricCore

/// Random faults drawn from the run's seed: what kinds, how often, for how long.
///
/// Between `begin` and `end` (offsets from the run's origin) a fault starts after each gap drawn
/// uniformly in `0...2·meanGap`; its kind is drawn by `weights`, its target(s) uniformly, and it is
/// undone after a duration drawn uniformly in `duration` (a partition healed, a cut restored, a
/// paused node resumed, a crashed node restarted, a degraded link restored). The plan keeps at
/// most one partition of its own at a time and at most `nodesDownMax` nodes paused or crashed by
/// it at once, so a harness can keep a majority alive. Every fault is undone by
/// `end + duration.upperBound`: run that long past `end` to judge convergence on a whole network.
///
/// `heal()` in a script also heals the plan's partitions; the plan's undo of a pause or crash does
/// nothing if a script already resumed or restarted that node.
public struct FaultPlan: Sendable {
    /// How likely each kind of fault is, relative to the others (0 disables a kind).
    public struct Weights: Sendable, Hashable {
        /// Split the nodes into two random groups.
        public var partition: Int
        /// Cut one random node off.
        public var isolate: Int
        /// Cut one direction of one random link.
        public var oneWayCut: Int
        /// Pause one random node.
        public var pause: Int
        /// Crash one random node (restarted when the fault is undone).
        public var crash: Int
        /// Give one random link (both directions) `FaultPlan.degradedLink`.
        public var degrade: Int

        /// The given weights; by default every kind is as likely.
        public init(partition: Int = 1, isolate: Int = 1, oneWayCut: Int = 1, pause: Int = 1, crash: Int = 1, degrade: Int = 1) {
            self.partition = partition
            self.isolate = isolate
            self.oneWayCut = oneWayCut
            self.pause = pause
            self.crash = crash
            self.degrade = degrade
        }

        var all: [Int] { [partition, isolate, oneWayCut, pause, crash, degrade] }
    }

    /// When the first fault may start, after the origin.
    public var begin: Duration
    /// No fault starts after this, from the origin.
    public var end: Duration
    /// The mean time between the starts of two faults.
    public var meanGap: Duration
    /// How long a fault lasts.
    public var duration: ClosedRange<Duration>
    /// How likely each kind is.
    public var weights: Weights
    /// Nodes the plan keeps paused or crashed at once, at most.
    public var nodesDownMax: Int
    /// What a degraded link does.
    public var degradedLink: LinkConditions

    /// A plan; the defaults inject a fault every 5 s on average for 1 to 10 s each.
    public init(
        begin: Duration = .seconds(1), end: Duration, meanGap: Duration = .seconds(5),
        duration: ClosedRange<Duration> = .seconds(1)...(.seconds(10)), weights: Weights = Weights(),
        nodesDownMax: Int = 1,
        degradedLink: LinkConditions = LinkConditions(latency: .milliseconds(50), jitter: .milliseconds(50), loss: 0.3)
    ) {
        precondition(begin >= .zero && end >= begin, "fault plan from \(begin) to \(end)")
        precondition(meanGap > .zero, "fault plan mean gap \(meanGap) must be positive")
        precondition(duration.lowerBound >= .zero, "fault plan duration \(duration) must not be negative")
        precondition(weights.all.allSatisfy { $0 >= 0 } && weights.all.contains { $0 > 0 },
                     "fault plan weights \(weights) must be non-negative, one at least positive")
        self.begin = begin
        self.end = end
        self.meanGap = meanGap
        self.duration = duration
        self.weights = weights
        self.nodesDownMax = nodesDownMax
        self.degradedLink = degradedLink
    }
}

/// What a running plan has in force.
final class FaultPlanState {
    let plan: FaultPlan
    var partitioned = false
    var nodesDown = 0

    init(plan: FaultPlan) { self.plan = plan }
}

extension Simulation {
    /// Injects faults by `plan`, every choice drawn from the run's seed (its own stream, so the
    /// plan does not shift the network's or the nodes' random values).
    public func inject(_ plan: FaultPlan) {
        let state = FaultPlanState(plan: plan)
        at(plan.begin) { $0.scheduleNextFault(state) }
    }

    /// A uniform draw in `0..<bound` from the plan's stream.
    func faultDraw(_ bound: Int) -> Int {
        precondition(bound > 0, "fault draw bound \(bound)")
        return Int(faultRandom.next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A uniform duration in `range` from the plan's stream.
    func faultDraw(_ range: ClosedRange<Duration>) -> Duration {
        let low = UInt64(range.lowerBound.nanoseconds), high = UInt64(range.upperBound.nanoseconds)
        let span = high - low
        let offset = span == .max ? faultRandom.next() : faultRandom.next().multipliedFullWidth(by: span + 1).high
        return .nanoseconds(Int64(low + offset))
    }

    func scheduleNextFault(_ state: FaultPlanState) {
        let gap = faultDraw(Duration.zero...(state.plan.meanGap * 2))
        let start = time + gap
        guard start <= configuration.origin + state.plan.end else { return }
        after(gap) { simulation in
            simulation.injectOneFault(state)
            simulation.scheduleNextFault(state)
        }
    }

    /// Draws one fault by the plan's weights and starts it (or nothing, when the drawn kind cannot
    /// start now: a second partition, one node too many down).
    func injectOneFault(_ state: FaultPlanState) {
        let weights = state.plan.weights.all
        var pick = faultDraw(weights.reduce(0, +))
        var kind = 0
        while pick >= weights[kind] {
            pick -= weights[kind]
            kind += 1
        }
        let lasting = faultDraw(state.plan.duration)
        let ids = nodeIDs
        guard ids.count >= 2 else { return }
        switch kind {
        case 0, 1:
            guard !state.partitioned else { return }
            if kind == 0 {
                var order = Array(ids.indices)
                for position in stride(from: order.count - 1, to: 0, by: -1) {
                    order.swapAt(position, faultDraw(position + 1))
                }
                let cut = 1 + faultDraw(order.count - 1)
                partition(order[..<cut].map { ids[$0] }, order[cut...].map { ids[$0] })
            } else {
                isolate(ids[faultDraw(ids.count)])
            }
            state.partitioned = true
            after(lasting) { simulation in
                simulation.heal()
                state.partitioned = false
            }
        case 2:
            let (a, b) = faultPair(ids.count)
            cut(from: ids[a], to: ids[b])
            after(lasting) { $0.restore(from: ids[a], to: ids[b]) }
        case 3, 4:
            guard state.nodesDown < state.plan.nodesDownMax else { return }
            let up = ids.indices.filter { faults.status(at: $0) == .up }
            guard !up.isEmpty else { return }
            let node = ids[up[faultDraw(up.count)]]
            state.nodesDown += 1
            if kind == 3 {
                pause(node)
                after(lasting) { simulation in
                    state.nodesDown -= 1
                    if simulation.faults.status(of: node) == .paused { simulation.resume(node) }
                }
            } else {
                crash(node)
                after(lasting) { simulation in
                    state.nodesDown -= 1
                    if simulation.faults.status(of: node) == .crashed { simulation.restart(node) }
                }
            }
        default:
            let (a, b) = faultPair(ids.count)
            setLinks(between: ids[a], and: ids[b], state.plan.degradedLink)
            after(lasting) { $0.setLinks(between: ids[a], and: ids[b], nil) }
        }
    }

    /// Two different node indices.
    func faultPair(_ count: Int) -> (Int, Int) {
        let a = faultDraw(count)
        let b = (a + 1 + faultDraw(count - 1)) % count
        return (a, b)
    }
}
