# Sourced by the launchers. A signal to a launcher stops the training with a checkpoint
# however long its write takes, and the launcher exits with the training's status (0 after
# such a stop); `stop_requested` is 1 afterwards if a signal asked for the stop.
#
# Open MPI forwards SIGTERM and SIGINT to the ranks and sends SIGKILL one second later
# (odls_base_sigkill_timeout), and srun answers SIGTERM by killing the step: a checkpoint write
# longer than that died half-way. Instead, a TERM, INT or USR1 to the launcher becomes one
# SIGUSR1 to mpirun or srun, which both forward to every rank on every host and nothing else:
# train treats it as a stop request (the ranks agree on a step, rank 0 writes the checkpoint).

stop_requested=0

# run_until_stopped COMMAND…: runs COMMAND (mpirun or srun) with the signals above turned
# into one SIGUSR1 to it; returns its status.
run_until_stopped() {
  local pid status=0
  "$@" </dev/null &
  pid=$!
  trap 'stop_requested=1; echo "launcher: stop requested: every rank writes a checkpoint and exits" >&2; kill -USR1 "$pid" 2>/dev/null || true' TERM INT USR1
  # wait returns early when a trapped signal arrives; wait again until the command has exited.
  # wait's own stderr off: the status tells a kill, and bash's "Killed" notice would be
  # written over the last lines of a log file that mpirun shared.
  while kill -0 "$pid" 2>/dev/null; do
    wait "$pid" 2>/dev/null || true
  done
  wait "$pid" 2>/dev/null || status=$?
  trap - TERM INT USR1
  return "$status"
}

# run_mpirun ARGS…: `mpirun ARGS…` under run_until_stopped, in a session of its own so that a
# terminal's Ctrl-C reaches the launcher only. A TERM sent to mpirun itself is still forwarded
# to the ranks; SIGKILL then follows after SPARNET_STOP_GRACE_S seconds (default 600), not one.
run_mpirun() {
  run_until_stopped setsid mpirun --mca odls_base_sigkill_timeout "${SPARNET_STOP_GRACE_S:-600}" "$@"
}
