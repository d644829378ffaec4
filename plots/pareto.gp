# pareto.gp: p99 latency against cost (or the two metrics of --x and --y)
# for every point of a sweep; the Pareto front (no other feasible point is
# better on both) joined.
# Input (set by lambdasim plot pareto): xlab, ylab, log_x, n_points, label_axes (what
# the front's labels list, e.g. "threshold / timeout_s"), and three blocks,
# each drawn only when its count (n_other, n_infeasible, n_front) is > 0:
#   $other       cost_usd  p99_ms                     (feasible, not on the front)
#   $infeasible  cost_usd  p99_ms                     (fail a sweep constraint)
#   $front       cost_usd  p99_ms  cost_ci95  p99_ci95  "axis values"  (by cost)
set xlabel xlab
set ylabel ylab
if (log_x) { set logscale x 10 } else { set xrange [0:*] }
set yrange [0:*]
set format x "%.3g"
set key top right
set offsets graph 0.02, graph 0.12, graph 0.08, 0
if (n_front == 0) { set label 1 "no feasible point: no Pareto front" at graph 0.5, graph 0.95 center tc rgb "#D55E00" }
# Only non-empty blocks are drawn (gnuplot 5.4 crashes on labels with no
# point): a block's elements loop once when it has points, else not at all.
plot for [i=1:(n_other > 0)] $other using 1:2 with points pt 7 ps 0.9 lc rgb "#9e9e9e" title "feasible point", \
     for [i=1:(n_infeasible > 0)] $infeasible using 1:2 with points pt 2 ps 1.1 lc rgb "#D55E00" title "infeasible point", \
     for [i=1:(n_front > 0)] $front using 1:2:3:4 with xyerrorbars pt 7 ps 1.3 lc rgb "#0072B2" \
         title "Pareto front (bars: 95 % CI), labelled " . label_axes, \
     for [i=1:(n_front > 0)] $front using 1:2 with lines lw 2 lc rgb "#0072B2" notitle, \
     for [i=1:(n_front > 0)] $front using 1:2:5 with labels offset 1,0.9 left font ",10" tc rgb "#003f63" notitle
