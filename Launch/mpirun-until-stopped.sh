# Sourced by the launchers: run_mpirun ARGS… runs `mpirun ARGS…` so that a signal to the
# launcher stops the training with a checkpoint however long its write takes, and the
# launcher exits with the training's status (0 after such a stop).
#
# Open MPI forwards SIGTERM and SIGINT to the ranks and sends SIGKILL one second later
# (odls_base_sigkill_timeout): a checkpoint write longer than that died half-way. Instead, a
# TERM or INT to the launcher becomes one SIGUSR1 to mpirun, which Open MPI forwards to every
# rank on every host and nothing else: train treats it as a stop request (checkpoint, exit 0).
# mpirun runs in a session of its own, so a terminal's Ctrl-C reaches the launcher only. A
# TERM sent to mpirun itself is still forwarded; SIGKILL then follows after
# SPARNET_STOP_GRACE_S seconds (default 600) instead of one.
run_mpirun() {
  local grace=${SPARNET_STOP_GRACE_S:-600} pid status=0
  setsid mpirun --mca odls_base_sigkill_timeout "$grace" "$@" </dev/null &
  pid=$!
  trap 'echo "launcher: stop requested: every rank writes a checkpoint and exits" >&2; kill -USR1 "$pid" 2>/dev/null || true' TERM INT
  # wait returns early when a trapped signal arrives; wait again until mpirun has exited.
  while kill -0 "$pid" 2>/dev/null; do
    wait "$pid" || true
  done
  wait "$pid" || status=$?
  trap - TERM INT
  return "$status"
}
