import Kernels
import Tensors

/// Keeps `average ← decay·average + (1 − decay)·current` over a whole state arena (SPARNetHD's
/// EMA generator, decay 0.999, updated once per step before the optimizer steps).
///
/// average, current: the same count (parameters and buffers of one network).
public func updateExponentialMovingAverage(_ average: Arena, toward current: Arena, decay: Float) {
    precondition(average.count == current.count,
                 "EMA: average of \(average.count) elements, current of \(current.count)")
    precondition((0...1).contains(decay), "EMA: decay \(decay) outside [0, 1]")
    movingAverageUpdate(average.base, toward: current.base, count: average.count, keep: decay)
}
