# queue.gp: the batching queue's length over time.
# Input (set by lambdasim plot queue): x_min, x_max (s), n_series,
# series_title[], q_max (the longest queue), has_busy, busy_max, $queue
# with one block per series of
#   time_s  requests_queued   (a step function: the value holds until the next row)
# and, when has_busy, $busy: time_s  instances_busy (init or running).
set xlabel "simulated time (s)"
set ylabel "requests waiting in the batching queue"
set xrange [x_min:x_max]
set yrange [0:(q_max < 1 ? 1 : q_max) * 1.15]
if (q_max <= 12) { set ytics 1 }
set ytics nomirror
set key top right
set style fill transparent solid 0.25 noborder
if (has_busy) {
    # Each axis label in the colour of its line.
    set ylabel tc rgb "#0072B2"
    set y2label "instances busy (init or running)" tc rgb "#D55E00"
    set y2range [0:(busy_max < 1 ? 1 : busy_max) * 1.15]
    if (busy_max <= 12) { set y2tics 1 } else { set y2tics }
    set y2tics nomirror
    plot $queue using 1:2 with fillsteps lt 1 notitle, \
         $queue using 1:2 with steps lt 1 lw 1.5 title "queue length: ".series_title[1], \
         $busy using 1:2 axes x1y2 with steps lt 5 lw 2 title "instances busy (right axis)"
} else {
    plot for [i=1:n_series] $queue index (i-1) using 1:2 with steps lt i title series_title[i]
}
