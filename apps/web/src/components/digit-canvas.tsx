// A 280x280 drawing pad (white ink on black, like MNIST) for mouse, pen and touch.

import { type RefObject, useCallback, useEffect, useRef } from 'react';
import { Button } from './button';

export const CANVAS_SIZE = 280;
const PEN_WIDTH = 22;

interface DigitCanvasProps {
  canvasRef: RefObject<HTMLCanvasElement | null>;
  /** Called with true once something is drawn, and with false after Clear. */
  onDrawnChange?: (drawn: boolean) => void;
  disabled?: boolean;
}

function clear(canvas: HTMLCanvasElement): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
}

export function DigitCanvas({ canvasRef, onDrawnChange, disabled = false }: DigitCanvasProps) {
  const last = useRef<{ x: number; y: number } | null>(null);
  const onDrawn = useRef(onDrawnChange);
  onDrawn.current = onDrawnChange;

  const point = useCallback(
    (clientX: number, clientY: number) => {
      const canvas = canvasRef.current;
      if (!canvas) return { x: 0, y: 0 };
      const rect = canvas.getBoundingClientRect();
      return {
        x: ((clientX - rect.left) * canvas.width) / rect.width,
        y: ((clientY - rect.top) * canvas.height) / rect.height,
      };
    },
    [canvasRef],
  );

  const start = useCallback(
    (clientX: number, clientY: number) => {
      const ctx = canvasRef.current?.getContext('2d');
      if (!ctx) return;
      const p = point(clientX, clientY);
      last.current = p;
      ctx.fillStyle = '#fff';
      ctx.beginPath();
      ctx.arc(p.x, p.y, PEN_WIDTH / 2, 0, Math.PI * 2);
      ctx.fill();
      onDrawn.current?.(true);
    },
    [canvasRef, point],
  );

  const move = useCallback(
    (clientX: number, clientY: number) => {
      const ctx = canvasRef.current?.getContext('2d');
      const from = last.current;
      if (!ctx || !from) return;
      const to = point(clientX, clientY);
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = PEN_WIDTH;
      ctx.lineCap = 'round';
      ctx.lineJoin = 'round';
      ctx.beginPath();
      ctx.moveTo(from.x, from.y);
      ctx.lineTo(to.x, to.y);
      ctx.stroke();
      last.current = to;
    },
    [canvasRef, point],
  );

  const end = useCallback(() => {
    last.current = null;
  }, []);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    clear(canvas);
    if (disabled) return;

    const listeners: Array<[string, EventListener]> = [];
    const on = <E extends Event>(type: string, handler: (event: E) => void) => {
      const listener = handler as EventListener;
      canvas.addEventListener(type, listener, { passive: false });
      listeners.push([type, listener]);
    };

    if (typeof window.PointerEvent === 'function') {
      // Pointer events cover mouse, pen and touch in every current browser.
      on<PointerEvent>('pointerdown', (e) => {
        if (e.button !== 0) return;
        e.preventDefault();
        canvas.setPointerCapture(e.pointerId);
        start(e.clientX, e.clientY);
      });
      on<PointerEvent>('pointermove', (e) => {
        if (last.current) {
          e.preventDefault();
          move(e.clientX, e.clientY);
        }
      });
      on<PointerEvent>('pointerup', end);
      on<PointerEvent>('pointercancel', end);
    } else {
      on<MouseEvent>('mousedown', (e) => start(e.clientX, e.clientY));
      on<MouseEvent>('mousemove', (e) => move(e.clientX, e.clientY));
      on<MouseEvent>('mouseup', end);
      on<MouseEvent>('mouseleave', end);
      on<TouchEvent>('touchstart', (e) => {
        const t = e.touches[0];
        if (!t) return;
        e.preventDefault();
        start(t.clientX, t.clientY);
      });
      on<TouchEvent>('touchmove', (e) => {
        const t = e.touches[0];
        if (!t) return;
        e.preventDefault();
        move(t.clientX, t.clientY);
      });
      on<TouchEvent>('touchend', end);
      on<TouchEvent>('touchcancel', end);
    }
    return () => {
      for (const [type, listener] of listeners) canvas.removeEventListener(type, listener);
    };
  }, [canvasRef, disabled, start, move, end]);

  const onClear = () => {
    const canvas = canvasRef.current;
    if (canvas) clear(canvas);
    onDrawn.current?.(false);
  };

  return (
    <div className="flex flex-col items-start gap-2">
      <canvas
        ref={canvasRef}
        width={CANVAS_SIZE}
        height={CANVAS_SIZE}
        data-testid="digit-canvas"
        aria-label="Drawing pad: draw a digit with the mouse, a pen or a finger"
        role="img"
        className="aspect-square w-full max-w-[280px] cursor-crosshair touch-none rounded-lg bg-black shadow-inner ring-1 ring-slate-300"
      />
      <Button variant="secondary" onClick={onClear} data-testid="clear-canvas" disabled={disabled}>
        Clear
      </Button>
    </div>
  );
}
