"""tfm.selective_scan against the float64 oracle of OPS.md C1, extended to
B/C groups."""
import copy
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tfm_e2e import Library, check, random  # noqa: E402


def selective_scan(u, dl, A, B, C, Dk=None, z=None, dbias=None, softplus=False,
                   h0=None):
    """OPS.md C1; channel d reads group d // (D // G) of B and C."""
    u, dl, A, B, C = (np.asarray(x, np.float64) for x in (u, dl, A, B, C))
    group = np.arange(u.shape[1]) // (u.shape[1] // B.shape[1])
    B, C = B[:, group], C[:, group]                    # [B, D, N, L]
    if dbias is not None:
        dl = dl + dbias[:, None]
    if softplus:
        dl = np.log1p(np.exp(dl))
    h = np.zeros(u.shape[:2] + A.shape[1:]) if h0 is None else np.float64(h0)
    ys = []
    for t in range(u.shape[-1]):
        h = (np.exp(dl[:, :, t, None] * A) * h
             + dl[:, :, t, None] * B[:, :, :, t] * u[:, :, t, None])
        ys.append(np.einsum('bdn,bdn->bd', h, C[:, :, :, t]))
    y = np.stack(ys, -1)
    if Dk is not None:
        y = y + u * Dk[:, None]
    if z is not None:
        y = y * z / (1 + np.exp(-z))
    return y, h


class Case:
    """Seeded inputs for one scan of batch b, channels d, state n, length l
    and g groups."""

    def __init__(self, b, d, n, l, g, seed):
        self.u = random((b, d, l), seed)
        # Positive step sizes (the no-softplus cases take Δ as is) and a
        # stable A = -exp(A_log), as in the Mamba module.
        self.dt = random((b, d, l), seed + 1, 0.05, 1.0)
        self.A = -np.exp(random((d, n), seed + 2, -1.0, 1.0))
        self.B = random((b, g, n, l), seed + 3)
        self.C = random((b, g, n, l), seed + 4)
        self.D = random((d,), seed + 5)
        self.z = random((b, d, l), seed + 6, -2.0, 2.0)
        self.bias = random((d,), seed + 7, -2.0, 0.5)
        self.h0 = random((b, d, n), seed + 8)
        self.shapes = [(b, d, l), (b, d, n)]

    def head(self):
        return [self.u, self.dt, self.A, self.B, self.C]

    def steps(self, start, stop):
        """The case restricted to steps [start, stop)."""
        cut = copy.copy(self)
        for name in ("u", "dt", "z", "B", "C"):
            setattr(cut, name, getattr(self, name)[..., start:stop])
        cut.shapes = [self.u.shape[:2] + (stop - start,), self.shapes[1]]
        return cut


def check_pair(name, outputs, reference):
    check(f"{name} y", outputs[0], reference[0])
    check(f"{name} final state", outputs[1], reference[1])


def run_all(lib, name, case, h0=None):
    h0 = case.h0 if h0 is None else h0
    outputs = lib.call("scan_all", case.head() + [case.D, case.z, case.bias, h0],
                       case.shapes)
    reference = selective_scan(*case.head(), Dk=case.D, z=case.z,
                               dbias=case.bias, softplus=True, h0=h0)
    check_pair(name, outputs, reference)
    return outputs


def main():
    lib = Library(sys.argv[1])

    ragged = Case(2, 37, 16, 53, 1, seed=10)
    check_pair("plain", lib.call("scan_plain", ragged.head(), ragged.shapes),
               selective_scan(*ragged.head()))
    check_pair("D", lib.call("scan_skip", ragged.head() + [ragged.D], ragged.shapes),
               selective_scan(*ragged.head(), Dk=ragged.D))
    check_pair("z", lib.call("scan_gate", ragged.head() + [ragged.z], ragged.shapes),
               selective_scan(*ragged.head(), z=ragged.z))
    # Raw step sizes around zero: softplus decides their sign.
    ragged.dt = random(ragged.u.shape, 20, -3.0, 2.0)
    check_pair("delta_bias + softplus",
               lib.call("scan_softplus", ragged.head() + [ragged.bias], ragged.shapes),
               selective_scan(*ragged.head(), dbias=ragged.bias, softplus=True))
    ragged.dt = random(ragged.u.shape, 21, 0.05, 1.0)
    check_pair("initial_state",
               lib.call("scan_initial_state", ragged.head() + [ragged.h0], ragged.shapes),
               selective_scan(*ragged.head(), h0=ragged.h0))

    # All operands: one group and two; 140 channels in two groups leave a
    # ragged channel block in each, and 300 steps a ragged chunk of steps.
    run_all(lib, "all G=1 D=37", Case(2, 37, 16, 53, 1, seed=30))
    run_all(lib, "all G=2 D=140 L=300", Case(2, 140, 16, 300, 2, seed=40))
    run_all(lib, "all G=2 D=38 N=5 L=1", Case(1, 38, 5, 1, 2, seed=50))

    # Decode: ten steps, then one step from their final state, equal the
    # eleven steps in one call.
    decode = Case(2, 70, 16, 11, 2, seed=60)
    full = run_all(lib, "all L=11", decode)
    first = run_all(lib, "all L=10", decode.steps(0, 10))
    step = run_all(lib, "decode L=1 from L=10", decode.steps(10, 11), h0=first[1])
    check("decode y == y[..., 10] of L=11", step[0], full[0][..., 10:], tol=1e-6)
    check("decode state == state of L=11", step[1], full[1], tol=1e-6)

    run_all(lib, "all long L=4096 D=8", Case(1, 8, 16, 4096, 1, seed=70))
    lib.finish()


if __name__ == "__main__":
    main()
