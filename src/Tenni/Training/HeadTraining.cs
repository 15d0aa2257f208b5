namespace Tenni;

/// <summary>How a saved head was trained, recorded in <c>model.json</c> (<c>head_training</c>) when it was not the chapter's recipe.</summary>
/// <param name="L2">The L2 strength chosen on the validation photos (L-BFGS).</param>
/// <param name="Refit">Fitted again on training + validation photos after the choice.</param>
public sealed record HeadTraining(HeadSolver Solver, double? L2, bool Refit);
