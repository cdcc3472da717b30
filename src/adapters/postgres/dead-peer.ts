/**
 * How the server finds out that a node is gone without a word (its host crashed, a
 * network cut: no FIN ever comes). An idle connection is only found dead by TCP
 * keepalives, and the server's default is the operating system's (two hours on
 * Linux): that long, the node lock's connection would keep the lock for a dead node,
 * and a pooled connection that died inside a transaction would keep the writer-epoch
 * row locked, so a standby would wait (ADR 0048). These make it about 11 s: 5 s idle,
 * then 3 probes 2 s apart; `tcp_user_timeout` bounds unacknowledged data the same way.
 * Per connection, so nothing else on the server changes; ignored on a Unix socket
 * (there a peer's death is seen at once).
 */
export const DEAD_PEER_OPTIONS = '-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3 -c tcp_user_timeout=10000';
