namespace Tenni;

/// <summary>How a saved head was trained, recorded in <c>model.json</c> (<c>head_training</c>) when it was not the chapter's recipe.</summary>
/// <param name="L2">The chosen L2 strength (L-BFGS).</param>
/// <param name="Refit">Fitted on training + validation photos after the choice (always so when cross-validated).</param>
/// <param name="Folds">0: the strength was chosen on the validation split; K: by K-fold cross-validation (over all photos; for a warm start, over the training photos).</param>
/// <param name="Temperature">The head's logits are divided by it (already folded into its weights); chosen on held-out predictions.</param>
/// <param name="WarmStart">Few-photo fine-tuning: the head was first fitted by L-BFGS (<paramref name="L2"/>, <paramref name="Folds"/> and <paramref name="Temperature"/> describe that fit), then trained on with the source layers (<paramref name="Solver"/> is then <see cref="HeadSolver.Gradient"/>).</param>
public sealed record HeadTraining(HeadSolver Solver, double? L2, bool Refit, int Folds = 0, double? Temperature = null, bool WarmStart = false);
