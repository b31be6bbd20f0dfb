import FabricCore
import Testing
@testable import HealthCore

/// The heartbeat monitor: sends, detection, recovery, deadlines, bounds and hostile input.
@Suite struct HealthMonitorCoreTests {
    typealias Support = HealthTestSupport
    static let a = Support.node("a")
    static let b = Support.node("b")
    static let c = Support.node("c")

    /// Runs the monitor's timer at each deadline up to `end`, delivering heartbeats from the
    /// nodes in `answering` whenever one is sent to them (same instant); returns every directive
    /// that is not a send, with its time in ms.
    static func run(
        _ monitor: inout HealthMonitorCore, until end: Int, answering: (NodeId, Int) -> Bool
    ) -> [(Int, HealthMonitorDirective)] {
        var events: [(Int, HealthMonitorDirective)] = []
        while let deadline = monitor.nextDeadline, deadline <= Support.at(milliseconds: end) {
            let milliseconds = Int(deadline.nanoseconds / 1_000_000)
            for directive in monitor.onTimer(now: deadline) {
                switch directive {
                case .sendHeartbeat(let node):
                    if answering(node, milliseconds) {
                        events += monitor.onHeartbeat(from: node, now: deadline).map { (milliseconds, $0) }
                    }
                case .nodeUnavailable, .nodeAvailable:
                    events.append((milliseconds, directive))
                }
            }
        }
        return events
    }

    @Test func sendsHeartbeatsEveryIntervalToEveryWatchedNode() {
        var monitor = HealthMonitorCore()
        #expect(monitor.nextDeadline == nil)
        #expect(monitor.startMonitoring(Self.b, now: .zero) == .started)
        #expect(monitor.startMonitoring(Self.a, now: .zero) == .started)
        #expect(monitor.startMonitoring(Self.a, now: .zero) == .alreadyMonitored)
        #expect(monitor.nextDeadline == .zero)
        #expect(monitor.onTimer(now: .zero) == [.sendHeartbeat(to: Self.a), .sendHeartbeat(to: Self.b)])
        #expect(monitor.nextDeadline == Support.at(milliseconds: 1000))
        #expect(monitor.onTimer(now: Support.at(milliseconds: 500)) == [])
        #expect(monitor.onTimer(now: Support.at(milliseconds: 1000)).count == 2)
        // A late timer does not send a burst to catch up.
        #expect(monitor.onTimer(now: Support.at(milliseconds: 3500)).count == 2)
        #expect(monitor.nextDeadline == Support.at(milliseconds: 4500))
    }

    @Test func aSilentNodeBecomesUnavailableOnceAndAvailableOnceWhenItComesBack() {
        var monitor = HealthMonitorCore()
        _ = monitor.startMonitoring(Self.a, now: .zero)
        _ = monitor.startMonitoring(Self.b, now: .zero)
        // b answers until 20 s, then is silent until 40 s.
        let events = Self.run(&monitor, until: 60_000) { node, time in node == Self.a || time < 20_000 || time >= 40_000 }
        #expect(events.count == 2, "\(events)")
        let (downAt, first) = events[0]
        guard case .nodeUnavailable(let node, let phi) = first else {
            Issue.record("expected unavailable, got \(first)")
            return
        }
        #expect(node == Self.b && phi >= 8)
        // Last heartbeat at 19 s; regular 1 s beats: unavailable 4.52 s later, at the deadline.
        #expect(downAt == 23_522 || downAt == 23_523, "unavailable at \(downAt) ms")
        #expect(events[1].0 == 40_000 && events[1].1 == .nodeAvailable(Self.b))
        #expect(monitor.isAvailable(Self.a) == true && monitor.isAvailable(Self.b) == true)
    }

    @Test func aNodeThatNeverAnswersIsStillDetected() {
        var monitor = HealthMonitorCore()
        _ = monitor.startMonitoring(Self.c, now: .zero)
        let events = Self.run(&monitor, until: 30_000) { _, _ in false }
        #expect(events.count == 1)
        // First heartbeat estimate 1 s, deviation 250 ms, pause 3 s: about 5.3 s.
        #expect(events.first.map { $0.0 >= 5300 && $0.0 <= 5320 } == true, "\(events)")
    }

    @Test func heartbeatsFromUnwatchedNodesAreIgnoredAndCounted() {
        var monitor = HealthMonitorCore()
        _ = monitor.startMonitoring(Self.a, now: .zero)
        #expect(monitor.onHeartbeat(from: Self.b, now: .zero) == [])
        #expect(monitor.ignoredHeartbeats == 1)
        monitor.stopMonitoring(Self.a)
        #expect(monitor.onHeartbeat(from: Self.a, now: .zero) == [])
        #expect(monitor.ignoredHeartbeats == 2)
        #expect(monitor.nextDeadline == nil && monitor.monitoredNodes.isEmpty)
        #expect(monitor.phi(of: Self.a, now: .zero) == nil)
    }

    @Test func theNumberOfWatchedNodesIsBounded() {
        var monitor = HealthMonitorCore(configuration: .init(monitoredNodesMax: 3))
        for index in 0..<3 { #expect(monitor.startMonitoring(Support.node("n\(index)"), now: .zero) == .started) }
        #expect(monitor.startMonitoring(Support.node("n3"), now: .zero) == .refusedAtLimit(3))
        #expect(monitor.refusedMonitorings == 1 && monitor.monitoredNodes.count == 3)
        #expect(HealthMonitorCore.Configuration(monitoredNodesMax: 1 << 40).monitoredNodesMax == Limits.healthMonitoredNodesMax)
    }

    @Test func theDeadlineIsNeverInThePastForAnAvailableNode() {
        // Whatever the timing, after onTimer(now: d) the next deadline is later than d: no spin.
        var random = SeededRandom(seed: 99)
        var monitor = HealthMonitorCore()
        for index in 0..<5 { _ = monitor.startMonitoring(Support.node("n\(index)"), now: .zero) }
        var time: UInt64 = 0
        for step in 0..<3000 {
            guard let deadline = monitor.nextDeadline else { break }
            time = max(time, deadline.nanoseconds)
            _ = monitor.onTimer(now: Instant(nanoseconds: time))
            let node = Support.node("n\(Int.random(in: 0..<5, using: &random))")
            if Bool.random(using: &random) { _ = monitor.onHeartbeat(from: node, now: Instant(nanoseconds: time)) }
            let next = monitor.nextDeadline
            #expect(next.map { $0.nanoseconds > time } ?? true, "seed 99 step \(step)")
            time += UInt64.random(in: 0...300_000_000, using: &random)
        }
    }
}
