/**
 * A port of the ideas in JAX's "Autodiff Cookbook", written for difftrace: gradients of
 * gradients, the gradient of a logistic-regression loss with respect to each argument,
 * Jacobians both ways, a Hessian, and the JVP and VJP primitives. Every printed value is
 * checked against what JAX computes for the same inputs.
 *
 *   deno run -A examples/jax_tutorials/autodiff_cookbook.ts
 */
import { grad, hessian, jacfwd, jacrev, jvp, type NDArray, np, vjp } from "../../mod.ts";
import { expectJax } from "./_check.ts";

/** Runs the cookbook's cells; throws if a value differs from JAX's. */
export function autodiffCookbook(): void {
  // grad of grad of grad: derivatives of tanh at 2, each transform applied to the last
  const d1 = grad(np.tanh);
  const d2 = grad(d1);
  const d3 = grad(d2);
  expectJax("tanh_grads", [d1(2.0).item(), d2(2.0).item(), d3(2.0).item()]);

  // logistic regression on four fixed examples
  const inputs = np.array([
    [0.52, 1.12, 0.77],
    [0.88, -1.08, 0.15],
    [0.52, 0.06, -1.3],
    [0.74, -2.49, 1.39],
  ]);
  const targets = np.array([1, 1, 0, 1]);
  const predict = (W: NDArray, b: NDArray, x: NDArray) => np.sigmoid(x.matmul(W).add(b));
  // negative log-likelihood: the probability the model gives each true label
  const loss = (W: NDArray, b: NDArray) => {
    const preds = predict(W, b, inputs);
    const labelProbs = preds.mul(targets).add(preds.neg().add(1).mul(targets.neg().add(1)));
    return labelProbs.log().sum().neg();
  };
  const W = np.array([0.3, -0.2, 0.5]), b = np.array(0.1);
  expectJax("logreg_loss", loss(W, b));
  expectJax("logreg_grad_W", grad(loss)(W, b)); // argnums 0 by default
  expectJax("logreg_grad_b", grad(loss, { argnums: 1 })(W, b));

  // the Jacobian of the predictions with respect to W, forward and reverse mode agree
  const jf = jacfwd(predict)(W, b, inputs);
  const jr = jacrev(predict)(W, b, inputs);
  expectJax("logreg_jacobian_W", jf);
  expectJax("logreg_jacobian_W", jr);
  expectJax("logreg_hessian_W", hessian(loss)(W, b), 1e-4);

  // the primitives underneath: a JVP pushes a tangent forward, a VJP pulls a cotangent back
  const [y, dy] = jvp(np.sin, [1.0], [1.0]);
  expectJax("sin_jvp", [y.item(), dy.item()]);
  const [, pullback] = vjp((x: NDArray) => x.mul(np.sin(x)), np.array(1.5));
  expectJax("xsinx_vjp", pullback(np.array(1))[0]);
}

if (import.meta.main) autodiffCookbook();
