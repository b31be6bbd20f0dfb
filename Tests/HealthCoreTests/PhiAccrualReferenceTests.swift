import FabricCore
import Foundation
import Testing
@testable import HealthCore

/// The detector against a plain reference: one that keeps every sample in a list, recomputes
/// mean and variance from it in two passes at every query, and evaluates the logistic
/// approximation the way Akka writes it, with the C library's `exp` and `log10`.
@Suite struct PhiAccrualReferenceTests {
    /// The reference detector: the same rules, none of the bookkeeping.
    struct Reference {
        let configuration: PhiAccrualConfiguration
        var samples: [Double]  // seconds, oldest first
        var last: Double?

        init(configuration: PhiAccrualConfiguration) {
            self.configuration = configuration
            let estimate = Double(configuration.firstHeartbeatEstimate.nanoseconds)
            let quarter = (estimate / 4).rounded(.down)
            samples = [(estimate - quarter) / 1e9, (estimate + quarter) / 1e9]
            samples = Array(samples.suffix(configuration.maxSampleSize))
        }

        func phi(at time: Double) -> Double {
            guard let last else { return 0 }
            let mean = samples.reduce(0, +) / Double(samples.count)
            let variance = samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(samples.count)
            let shiftedMean = mean + Double(configuration.acceptableHeartbeatPause.nanoseconds) / 1e9
            let deviation = max(variance.squareRoot(), Double(configuration.minStandardDeviation.nanoseconds) / 1e9)
            let y = (max(time - last, 0) - shiftedMean) / deviation
            let e = Foundation.exp(-y * (1.5976 + 0.070566 * y * y))
            if time - last > shiftedMean {
                return -Foundation.log10(e / (1 + e))
            }
            return -Foundation.log10(1 - 1 / (1 + e))
        }

        mutating func heartbeat(at time: Double) {
            guard let previous = last else { last = time; return }
            let arrival = max(time, previous)
            if phi(at: arrival) < configuration.threshold {
                samples.append(arrival - previous)
                if samples.count > configuration.maxSampleSize { samples.removeFirst() }
            }
            last = arrival
        }
    }

    /// A random configuration: small sample sizes so the ring wraps often.
    static func configuration(using random: inout SeededRandom) throws -> PhiAccrualConfiguration {
        try PhiAccrualConfiguration(
            threshold: Double.random(in: 1...16, using: &random),
            maxSampleSize: [1, 2, 3, 7, 50, 1000].randomElement(using: &random)!,
            minStandardDeviation: .milliseconds(Int.random(in: 1...300, using: &random)),
            acceptableHeartbeatPause: .milliseconds(Int.random(in: 0...4000, using: &random)),
            firstHeartbeatEstimate: .milliseconds(Int.random(in: 100...2000, using: &random)))
    }

    @Test(arguments: 0..<40)
    func phiMatchesTheReference(seedIndex: Int) throws {
        let seed = 0x5EED_0000 + UInt64(seedIndex)
        var random = SeededRandom(seed: seed)
        let configuration = try Self.configuration(using: &random)
        var detector = PhiAccrualDetector(configuration: configuration)
        var reference = Reference(configuration: configuration)
        var nanoseconds: UInt64 = UInt64.random(in: 0...1_000_000_000, using: &random)
        let meanGap = UInt64.random(in: 50_000_000...2_000_000_000, using: &random)
        var worst = 0.0
        for step in 0..<1500 {
            // Mostly regular gaps with jitter, sometimes a long pause, sometimes a burst.
            let roll = Int.random(in: 0..<100, using: &random)
            let gap: UInt64 = switch roll {
            case 0..<3: UInt64.random(in: 0...meanGap * 20, using: &random)
            case 3..<8: UInt64.random(in: 0...meanGap / 10, using: &random)
            default: UInt64.random(in: meanGap / 2...meanGap * 3 / 2, using: &random)
            }
            // Query phi somewhere inside the gap, then deliver the heartbeat at its end.
            let query = Instant(nanoseconds: nanoseconds + UInt64.random(in: 0...gap, using: &random))
            let expected = reference.phi(at: Double(query.nanoseconds) / 1e9)
            let actual = detector.phi(now: query)
            #expect(actual.isFinite && actual >= 0, "seed \(seed) step \(step): phi \(actual)")
            if expected.isFinite, expected < 300 {
                let error = abs(actual - expected) / max(1, expected)
                worst = max(worst, error)
                #expect(error < 1e-6, "seed \(seed) step \(step): phi \(actual), reference \(expected)")
            }
            nanoseconds += gap
            detector.onHeartbeat(now: Instant(nanoseconds: nanoseconds))
            reference.heartbeat(at: Double(nanoseconds) / 1e9)
            #expect(detector.sampleCount == reference.samples.count, "seed \(seed) step \(step)")
        }
        #expect(detector.history.orderedSamples.map { Double($0) / 1e9 }.elementsEqual(reference.samples) {
            abs($0 - $1) < 1e-9
        }, "seed \(seed): the kept samples differ from the reference's")
    }
}
