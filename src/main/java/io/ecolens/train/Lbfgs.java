package io.ecolens.train;

/**
 * Limited-memory BFGS (Nocedal and Wright, Numerical Optimization, algorithm 7.4/7.5) with a
 * backtracking Armijo line search, for the smooth convex objectives {@code train} minimises in the
 * driver. MLlib minimises the same objectives with breeze's L-BFGS, but breeze's function type is a
 * Scala trait that Java cannot implement (two {@code apply} methods with one erasure), so the
 * method is written out here: it is short, and the tests hold its answers to MLlib's.
 */
final class Lbfgs {
  /** A differentiable function: returns f(x) and writes its gradient into {@code gradient}. */
  @FunctionalInterface
  interface Objective {
    double valueAndGradient(double[] x, double[] gradient);
  }

  /**
   * Where the minimisation ended: converged when the gradient met the tolerance or when no step along
   * the steepest descent lowers f any more (the limit of double precision); not when the iterations
   * ran out.
   */
  record Result(double[] x, double value, int iterations, boolean converged) {}

  private static final double ARMIJO = 1e-4;
  private static final int MAX_HALVINGS = 60;

  private final int corrections;
  private final int maxIterations;
  private final double tolerance;

  /**
   * @param corrections pairs of steps and gradient changes kept for the inverse-Hessian estimate
   * @param maxIterations the most iterations before giving up
   * @param tolerance converged when the gradient's norm is at most {@code tolerance * max(1, |f|)}
   */
  Lbfgs(int corrections, int maxIterations, double tolerance) {
    this.corrections = corrections;
    this.maxIterations = maxIterations;
    this.tolerance = tolerance;
  }

  Result minimize(Objective f, double[] start) {
    int n = start.length;
    double[] x = start.clone();
    double[] g = new double[n];
    double value = f.valueAndGradient(x, g);
    if (!Double.isFinite(value)) {
      return new Result(x, value, 0, false); // a NaN or infinite feature: nothing to minimise
    }
    double[][] s = new double[corrections][];
    double[][] y = new double[corrections][];
    double[] rho = new double[corrections];
    int stored = 0;
    int newest = -1;
    double[] nextX = new double[n];
    double[] nextG = new double[n];
    for (int iteration = 0; iteration < maxIterations; iteration++) {
      if (norm(g) <= tolerance * Math.max(1.0, Math.abs(value))) {
        return new Result(x, value, iteration, true);
      }
      double[] direction = direction(g, s, y, rho, stored, newest);
      double slope = dot(g, direction);
      if (slope >= 0) { // the estimate lost its way: start again from steepest descent
        stored = 0;
        direction = direction(g, s, y, rho, 0, newest);
        slope = dot(g, direction);
      }
      double step = stored == 0 ? Math.min(1.0, 1.0 / norm(g)) : 1.0;
      double nextValue = Double.NaN;
      int halvings = 0;
      for (; halvings < MAX_HALVINGS; halvings++) {
        for (int i = 0; i < n; i++) {
          nextX[i] = x[i] + step * direction[i];
        }
        nextValue = f.valueAndGradient(nextX, nextG);
        if (nextValue <= value + ARMIJO * step * slope) {
          break;
        }
        step *= 0.5;
      }
      if (halvings == MAX_HALVINGS || !(nextValue < value)) {
        if (stored > 0) {
          stored = 0; // the estimate's direction led nowhere: try steepest descent once
          continue;
        }
        // Not even steepest descent lowers f: the minimum as far as doubles can tell.
        return new Result(x, value, iteration, true);
      }
      newest = (newest + 1) % corrections;
      double[] sk = new double[n];
      double[] yk = new double[n];
      for (int i = 0; i < n; i++) {
        sk[i] = nextX[i] - x[i];
        yk[i] = nextG[i] - g[i];
      }
      double curvature = dot(sk, yk);
      if (curvature > 1e-12 * norm(sk) * norm(yk)) {
        s[newest] = sk;
        y[newest] = yk;
        rho[newest] = 1.0 / curvature;
        stored = Math.min(stored + 1, corrections);
      } else {
        newest = (newest + corrections - 1) % corrections; // keep the pair out
      }
      double[] swap = x;
      x = nextX;
      nextX = swap;
      swap = g;
      g = nextG;
      nextG = swap;
      value = nextValue;
    }
    return new Result(x, value, maxIterations, norm(g) <= tolerance * Math.max(1.0, Math.abs(value)));
  }

  /** The two-loop recursion: minus the inverse-Hessian estimate times the gradient. */
  private double[] direction(double[] g, double[][] s, double[][] y, double[] rho, int stored, int newest) {
    double[] q = g.clone();
    double[] alpha = new double[corrections];
    for (int k = 0; k < stored; k++) {
      int i = (newest - k + corrections) % corrections;
      alpha[i] = rho[i] * dot(s[i], q);
      axpy(-alpha[i], y[i], q);
    }
    if (stored > 0) {
      double scale = 1.0 / (rho[newest] * dot(y[newest], y[newest]));
      for (int j = 0; j < q.length; j++) {
        q[j] *= scale;
      }
    }
    for (int k = stored - 1; k >= 0; k--) {
      int i = (newest - k + corrections) % corrections;
      double beta = rho[i] * dot(y[i], q);
      axpy(alpha[i] - beta, s[i], q);
    }
    for (int j = 0; j < q.length; j++) {
      q[j] = -q[j];
    }
    return q;
  }

  private static double dot(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }

  private static double norm(double[] a) {
    return Math.sqrt(dot(a, a));
  }

  private static void axpy(double a, double[] x, double[] y) {
    for (int i = 0; i < x.length; i++) {
      y[i] += a * x[i];
    }
  }
}
